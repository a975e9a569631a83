//! The results published beside the reference scripts (ch06/03_bonus_imdb-classification), so the lab's
//! baseline table can put a student's own run next to them under one protocol: same splits (check the
//! SHA-256s), same test set of 10,000 reviews.
//!
//! These are reported figures, not reproduced ones: the lab labels them so. Times come from the scripts'
//! logs; the hardware they ran on is not stated.

/// One published result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reported {
    pub model: &'static str,
    /// Parameters, as published ("—" when not given).
    pub size: &'static str,
    /// Test accuracy in percent.
    pub test: f64,
    pub train: Option<f64>,
    pub validation: Option<f64>,
    /// Training time from the logs ("—" when not given).
    pub time: &'static str,
}

/// The published table, weakest first.
pub static REPORTED: &[Reported] = &[
    Reported {
        model: "Majority class (DummyClassifier)",
        size: "0",
        test: 49.91,
        train: None,
        validation: None,
        time: "—",
    },
    Reported {
        model: "Logistic regression, bag of words",
        size: "—",
        test: 88.85,
        train: Some(99.80),
        validation: Some(88.62),
        time: "—",
    },
    Reported {
        model: "BERT",
        size: "—",
        test: 90.89,
        train: None,
        validation: None,
        time: "7.65 min",
    },
    Reported {
        model: "DistilBERT",
        size: "66M",
        test: 91.40,
        train: None,
        validation: None,
        time: "4.26 min",
    },
    Reported {
        model: "GPT-2",
        size: "124M",
        test: 91.88,
        train: None,
        validation: None,
        time: "9.48 min",
    },
    Reported {
        model: "RoBERTa",
        size: "355M",
        test: 92.95,
        train: None,
        validation: None,
        time: "—",
    },
    Reported {
        model: "ModernBERT base",
        size: "149M",
        test: 93.79,
        train: None,
        validation: None,
        time: "10.27 min",
    },
    Reported {
        model: "DeBERTa-v3",
        size: "304M",
        test: 94.69,
        train: None,
        validation: None,
        time: "—",
    },
    Reported {
        model: "ModernBERT large",
        size: "395M",
        test: 95.07,
        train: None,
        validation: None,
        time: "27.69 min",
    },
];
