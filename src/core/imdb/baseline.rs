//! The baselines of the reference `sklearn-baseline` script on three splits: the majority class
//! (`DummyClassifier()`) and bag-of-words logistic regression (`CountVectorizer()` +
//! `LogisticRegression(max_iter=1000)`), with accuracy on train, validation and test.

use serde::{Deserialize, Serialize};

use super::bow::Vectorizer;
use super::logreg::{accuracy, fit, majority_label, Settings, Step};

/// Everything a baseline run reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineReport {
    /// Rows of train, validation, test.
    pub rows: [usize; 3],
    pub vocabulary: usize,
    /// Non-zero counts in the training matrix.
    pub nnz: usize,
    pub majority_label: u8,
    /// Accuracy per split; `None` where the split is empty.
    pub majority: [Option<f64>; 3],
    pub logreg: [Option<f64>; 3],
    pub n_iter: usize,
    pub evaluations: usize,
    pub objective: f64,
    pub grad_max: f64,
    pub stop: String,
    pub converged: bool,
    pub settings: Settings,
    /// The words that push hardest towards positive and towards negative, with their weights.
    pub top_positive: Vec<(String, f64)>,
    pub top_negative: Vec<(String, f64)>,
    pub millis_vectorize: f64,
    pub millis_fit: f64,
}

/// What the caller hears while a run goes on.
pub enum Progress {
    /// Share of the training texts vectorised.
    Vectorize(f64),
    Iteration(Step),
}

/// Trains and evaluates both baselines. `clock` gives milliseconds (the worker passes `performance.now`,
/// native code `Instant`); `progress` hears each stage.
pub fn run(
    splits: [&[(String, u8)]; 3],
    settings: &Settings,
    clock: &dyn Fn() -> f64,
    progress: &mut dyn FnMut(Progress),
) -> Result<BaselineReport, String> {
    let [train, _, _] = splits;
    if train.is_empty() {
        return Err("The train split is empty: nothing to learn from. Prepare the splits with a train size above 0.".into());
    }
    let labels: Vec<Vec<u8>> = splits
        .iter()
        .map(|s| s.iter().map(|r| r.1).collect())
        .collect();
    if labels[0].iter().all(|&l| l == labels[0][0]) {
        return Err("Every training review has the same label, so there is nothing to tell apart; logistic regression needs both classes (scikit-learn refuses too). Use a larger train split.".into());
    }
    let t0 = clock();
    let (vectorizer, x_train) =
        Vectorizer::fit_transform(train.iter().map(|r| r.0.as_str()), &mut |p| {
            progress(Progress::Vectorize(p))
        });
    let others: Vec<_> = splits[1..]
        .iter()
        .map(|s| vectorizer.transform(s.iter().map(|r| r.0.as_str())))
        .collect();
    let t1 = clock();
    let model = fit(&x_train, &labels[0], settings, &mut |s| {
        progress(Progress::Iteration(s))
    });
    let t2 = clock();
    let majority = majority_label(&labels[0]);
    let score =
        |k: usize, pred: Vec<u8>| (!labels[k].is_empty()).then(|| accuracy(&pred, &labels[k]));
    let logreg = [
        score(0, model.predict(&x_train)),
        score(1, model.predict(&others[0])),
        score(2, model.predict(&others[1])),
    ];
    let majority_acc = [0, 1, 2].map(|k| score(k, vec![majority; labels[k].len()]));
    let mut order: Vec<usize> = (0..model.coef.len()).collect();
    order.sort_by(|&a, &b| model.coef[b].total_cmp(&model.coef[a]));
    let top = |ids: &mut dyn Iterator<Item = &usize>| -> Vec<(String, f64)> {
        ids.take(12)
            .map(|&j| (vectorizer.terms[j].clone(), model.coef[j]))
            .collect()
    };
    Ok(BaselineReport {
        rows: [0, 1, 2].map(|k| labels[k].len()),
        vocabulary: vectorizer.terms.len(),
        nnz: x_train.nnz(),
        majority_label: majority,
        majority: majority_acc,
        logreg,
        n_iter: model.n_iter,
        evaluations: model.evaluations,
        objective: model.objective,
        grad_max: model.grad_max,
        stop: model.stop.clone(),
        converged: model.converged,
        settings: *settings,
        top_positive: top(&mut order.iter()),
        top_negative: top(&mut order.iter().rev()),
        millis_vectorize: t1 - t0,
        millis_fit: t2 - t1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_simple_signal_and_reports_empty_splits() {
        let mk = |n: usize, off: usize| -> Vec<(String, u8)> {
            (0..n)
                .map(|i| {
                    let l = ((i + off) % 2) as u8;
                    let w = if l == 1 { "great fun" } else { "dull mess" };
                    (format!("the film {w} number{}", i % 7), l)
                })
                .collect()
        };
        let (train, val) = (mk(40, 0), mk(10, 1));
        let r = run(
            [&train, &val, &[]],
            &Settings::default(),
            &|| 0.0,
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(r.logreg[0], Some(1.0));
        assert_eq!(r.logreg[1], Some(1.0));
        assert_eq!(r.logreg[2], None);
        assert_eq!(r.majority[0], Some(0.5));
        assert_eq!(r.rows, [40, 10, 0]);
        let pos: Vec<&str> = r
            .top_positive
            .iter()
            .map(|t| t.0.as_str())
            .take(2)
            .collect();
        assert!(pos.contains(&"great") && pos.contains(&"fun"), "{pos:?}");
        assert!(run([&[], &val, &[]], &Settings::default(), &|| 0.0, &mut |_| {}).is_err());
    }
}
