//! Long jobs as plain data, shared by every lab: how a job ends ([`Ended`]), how often it reports
//! progress ([`Throttle`]), and the one message protocol between the page and its background workers
//! ([`protocol`]). The browser side (`web::worker`, `ui::base::jobs`) carries these out; everything that
//! decides something lives here and is tested natively.

pub mod protocol;
mod throttle;

pub use throttle::Throttle;

/// Why a job ended without its result. A cancel is not a failure: the page says "cancelled, nothing
/// changed" instead of an error, and never has to recognise it by the wording of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// The student pressed Cancel (or started the job again); nothing it made is kept.
    Cancelled,
    /// The job could not finish; the message says what went wrong and what to do.
    Failed(String),
}

impl Ended {
    /// The message for the student.
    pub fn message(&self) -> String {
        match self {
            Ended::Cancelled => "Cancelled; nothing was changed.".into(),
            Ended::Failed(m) => m.clone(),
        }
    }
}

impl From<String> for Ended {
    fn from(m: String) -> Self {
        Ended::Failed(m)
    }
}

impl From<&str> for Ended {
    fn from(m: &str) -> Self {
        Ended::Failed(m.to_owned())
    }
}

/// A job's outcome: its result, or how it ended without one.
pub type JobResult<T> = Result<T, Ended>;
