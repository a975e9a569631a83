//! How far the IMDb jobs are: a share of the whole job for the bar, and a line on the stage for the
//! student. Unpacking dominates preparing (reading 84 MB through gunzip and tar); the fit dominates
//! training, and its iteration count is not known in advance, so its share follows the gradient too.

use super::baseline::Progress;
use super::logreg::Settings;

/// Share of preparing spent unpacking; shuffling and writing the CSVs take the rest.
const UNPACK: f64 = 0.85;
/// Shares of training: reading the three CSVs, then counting words, then the fit.
const READ: f64 = 0.03;
const VECTORIZE_START: f64 = 0.1;
const FIT_START: f64 = 0.25;

fn mb(bytes: f64) -> String {
    format!("{:.1}", bytes / 1e6)
}

/// Unpacking: `read` of `size` bytes of the archive read, `reviews` found so far.
pub fn unpacking(read: f64, size: f64, reviews: usize) -> (f64, String) {
    (
        UNPACK * read / size.max(1.0),
        format!(
            "Unpacking: {} of {} MB read · {reviews} reviews found",
            mb(read),
            mb(size)
        ),
    )
}

/// Shuffling and writing the splits, `p` of the way.
pub fn splitting(p: f64) -> (f64, String) {
    (
        UNPACK + (1.0 - UNPACK) * p,
        "Shuffling twice and writing train.csv, validation.csv, test.csv".into(),
    )
}

/// Progress of training, from the events `baseline::run` reports.
pub struct Training {
    max_iter: f64,
    max_iter_shown: usize,
    tol: f64,
    /// The first iteration's largest gradient: the fit stops when it falls to `tol`, so how far it has
    /// fallen (on a log scale) says how far the fit is.
    g0: Option<f64>,
}

impl Training {
    pub fn new(settings: &Settings) -> Self {
        Training {
            max_iter: settings.max_iter.max(1) as f64,
            max_iter_shown: settings.max_iter,
            tol: settings.tol,
            g0: None,
        }
    }

    /// Reading split `k` (0, 1, 2) named `name`.
    pub fn reading(&self, k: usize, name: &str) -> (f64, String) {
        (READ * k as f64, format!("Reading {name}.csv"))
    }

    /// A step of vectorising or fitting.
    pub fn at(&mut self, p: &Progress) -> (f64, String) {
        match p {
            Progress::Vectorize(v) => (
                VECTORIZE_START + (FIT_START - VECTORIZE_START) * v,
                "Counting words (CountVectorizer)".into(),
            ),
            Progress::Iteration(s) => {
                let tol = self.tol;
                let g0 = *self.g0.get_or_insert(s.grad_max.max(tol * 10.0));
                let by_grad = ((g0 / s.grad_max.max(tol)).ln() / (g0 / tol).ln()).clamp(0.0, 1.0);
                let share = (s.iter as f64 / self.max_iter).max(by_grad);
                (
                    FIT_START + (1.0 - FIT_START) * share.min(0.999),
                    format!(
                        "Fitting: iteration {} · objective {:.5} · largest gradient {:.1e} (stops at {:.0e} or {} iterations)",
                        s.iter, s.objective, s.grad_max, tol, self.max_iter_shown
                    ),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::imdb::logreg::Step;

    #[test]
    fn preparing_moves_forward_and_ends_at_one() {
        let (a, label) = unpacking(42e6, 84e6, 1000);
        assert!((a - 0.425).abs() < 1e-9);
        assert_eq!(
            label,
            "Unpacking: 42.0 of 84.0 MB read · 1000 reviews found"
        );
        assert_eq!(unpacking(84e6, 84e6, 1).0, splitting(0.0).0);
        assert_eq!(splitting(1.0).0, 1.0);
        assert_eq!(
            unpacking(0.0, 0.0, 0).0,
            0.0,
            "an empty file does not divide by zero"
        );
    }

    #[test]
    fn training_follows_iterations_or_the_gradient_whichever_is_further() {
        let settings = Settings {
            max_iter: 1000,
            tol: 1e-4,
            ..Settings::default()
        };
        let mut t = Training::new(&settings);
        assert_eq!(t.reading(1, "validation").1, "Reading validation.csv");
        let (v, _) = t.at(&Progress::Vectorize(1.0));
        assert!((v - FIT_START).abs() < 1e-9);
        let step = |iter, grad_max| {
            Progress::Iteration(Step {
                iter,
                objective: 0.5,
                grad_max,
            })
        };
        let (first, label) = t.at(&step(1, 1.0));
        assert!((FIT_START..0.3).contains(&first), "{first}");
        assert!(
            label.starts_with("Fitting: iteration 1 · objective 0.50000"),
            "{label}"
        );
        // Halfway down on a log scale (1 → 1e-4: 1e-2) is about halfway through the fit.
        let (mid, _) = t.at(&step(2, 1e-2));
        assert!((mid - (FIT_START + 0.75 * 0.5)).abs() < 1e-6, "{mid}");
        let (end, _) = t.at(&step(3, 1e-9));
        assert!(end < 1.0 && end > 0.99, "never shows done before it is");
    }
}
