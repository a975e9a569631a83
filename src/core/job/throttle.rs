//! One rule for how often progress is reported, on the page and in workers: often enough that a bar
//! moves smoothly, rarely enough that posting messages and redrawing never costs more than the work.

/// Lets a progress report through when it moved at least `min_step`, or `min_ms` passed since the last
/// one, and always at the start (the first report) and at the end (value 1).
#[derive(Debug, Clone)]
pub struct Throttle {
    min_step: f64,
    min_ms: f64,
    last_value: f64,
    last_ms: f64,
}

impl Default for Throttle {
    /// One percent or 80 ms, whichever comes first.
    fn default() -> Self {
        Throttle::new(0.01, 80.0)
    }
}

impl Throttle {
    pub fn new(min_step: f64, min_ms: f64) -> Self {
        Throttle {
            min_step,
            min_ms,
            last_value: f64::NEG_INFINITY,
            last_ms: f64::NEG_INFINITY,
        }
    }

    /// Whether a report of `value` (0..=1) at time `now_ms` should go out; if so, it is remembered.
    pub fn pass(&mut self, value: f64, now_ms: f64) -> bool {
        let due = value >= 1.0
            || value - self.last_value >= self.min_step
            || now_ms - self.last_ms >= self.min_ms;
        if due {
            self.last_value = value;
            self.last_ms = now_ms;
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_steps_time_and_end_pass() {
        let mut t = Throttle::new(0.1, 50.0);
        assert!(t.pass(0.0, 0.0), "the first report always goes out");
        assert!(!t.pass(0.05, 10.0), "too small a step, too soon");
        assert!(t.pass(0.1, 20.0), "a big enough step");
        assert!(!t.pass(0.15, 30.0));
        assert!(t.pass(0.15, 70.0), "enough time passed");
        assert!(t.pass(1.0, 71.0), "the end always goes out");
    }

    #[test]
    fn a_thousand_tiny_steps_give_about_a_hundred_reports() {
        let mut t = Throttle::default();
        let sent = (0..=1000)
            .filter(|&i| t.pass(i as f64 / 1000.0, 0.0))
            .count();
        assert!((85..=105).contains(&sent), "{sent}");
    }
}
