//! Waiting for a busy shared server. One instructor's Ollama serving a class has a bounded queue
//! (`OLLAMA_MAX_QUEUE`, 512 by default) and a few parallel slots (`OLLAMA_NUM_PARALLEL`); when the queue is
//! full it answers `503 {"error":"server busy, please try again.  maximum pending requests exceeded"}` with
//! no `Retry-After`. Thirty students retrying at once, every second, would keep it full, so each waits
//! an exponentially growing, randomly jittered time ("full jitter" spreads the retries out), and gives up
//! after a bounded time with advice rather than spinning forever.

use super::connection::Failure;

/// How long to wait between tries, and when to give up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// The first wait's upper bound, in milliseconds.
    pub first_ms: f64,
    /// The largest wait's upper bound.
    pub cap_ms: f64,
    /// Give up once this much time has passed since the first busy answer.
    pub give_up_ms: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            first_ms: 1_000.0,
            cap_ms: 20_000.0,
            give_up_ms: 120_000.0,
        }
    }
}

impl Backoff {
    /// With a give-up time in whole seconds (the connection panel's setting).
    pub fn giving_up_after(seconds: u32) -> Backoff {
        Backoff {
            give_up_ms: f64::from(seconds) * 1000.0,
            ..Backoff::default()
        }
    }

    /// The wait before retry number `retry` (1 = the first retry), for a uniform random `u` in [0, 1):
    /// a random point in [0, min(cap, first · 2^(retry−1))], but at least 100 ms so a retry never
    /// hammers the server. `None` once `waited_ms` plus this wait would pass the give-up time.
    pub fn wait_ms(&self, retry: u32, u: f64, waited_ms: f64) -> Option<f64> {
        if waited_ms >= self.give_up_ms {
            return None;
        }
        let exp = retry.saturating_sub(1).min(30);
        let ceiling = (self.first_ms * 2f64.powi(exp as i32)).min(self.cap_ms);
        let wait = (ceiling * u.clamp(0.0, 1.0)).max(100.0);
        // The last wait is cut to end exactly at the give-up time, so a student is not kept longer.
        Some(wait.min(self.give_up_ms - waited_ms))
    }
}

/// Whether a failure means "busy, try again later" rather than "broken": Ollama's full queue (503) and
/// rate limits of OpenAI-compatible servers (429).
pub fn is_busy(f: &Failure) -> bool {
    matches!(
        f,
        Failure::Server { status: 503, .. } | Failure::Http { status: 429, .. }
    )
}

/// The line the page shows while it waits: "server busy — retrying (n)" and how long.
pub fn busy_line(retry: u32, wait_ms: f64, waited_ms: f64) -> String {
    format!(
        "server busy — retrying ({retry}) in {:.1} s; waited {:.0} s so far",
        wait_ms / 1000.0,
        waited_ms / 1000.0
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_exponentially_up_to_the_cap_and_are_jittered() {
        let b = Backoff::default();
        assert_eq!(b.wait_ms(1, 0.999_999, 0.0).unwrap().round(), 1000.0);
        assert_eq!(b.wait_ms(2, 0.999_999, 0.0).unwrap().round(), 2000.0);
        assert_eq!(b.wait_ms(4, 0.999_999, 0.0).unwrap().round(), 8000.0);
        assert_eq!(
            b.wait_ms(9, 0.999_999, 0.0).unwrap().round(),
            20000.0,
            "capped"
        );
        // Jitter: the same retry number with different draws gives different waits, never below 100 ms.
        assert_eq!(b.wait_ms(3, 0.5, 0.0), Some(2000.0));
        assert_eq!(b.wait_ms(3, 0.0, 0.0), Some(100.0));
        assert!(b.wait_ms(u32::MAX, 0.5, 0.0).is_some(), "no overflow");
    }

    #[test]
    fn gives_up_after_the_bound_and_never_waits_past_it() {
        let b = Backoff::giving_up_after(10);
        assert_eq!(b.wait_ms(5, 0.9, 10_000.0), None);
        assert_eq!(b.wait_ms(5, 0.9, 9_500.0), Some(500.0));
        // Summing waits of an unlucky run ends at the bound.
        let (mut waited, mut n) = (0.0, 0);
        while let Some(w) = b.wait_ms(n + 1, 0.99, waited) {
            waited += w;
            n += 1;
        }
        assert_eq!(waited, 10_000.0);
        assert!(n >= 4, "{n} retries in 10 s");
    }

    #[test]
    fn busy_is_503_or_429_only() {
        let s = |status: u16| Failure::Server {
            status,
            message: "server busy, please try again.  maximum pending requests exceeded".into(),
        };
        assert!(is_busy(&s(503)));
        assert!(!is_busy(&s(500)));
        assert!(is_busy(&Failure::Http {
            status: 429,
            message: String::new()
        }));
        assert!(!is_busy(&Failure::StreamCut));
        assert_eq!(
            busy_line(2, 1500.0, 3200.0),
            "server busy — retrying (2) in 1.5 s; waited 3 s so far"
        );
    }
}
