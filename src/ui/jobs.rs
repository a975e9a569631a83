//! One job runner for every long job a page starts — reading a file, hashing a version, packing rows for
//! the worker, the worker's own jobs: start it, report progress, cancel it, and end it with a typed outcome
//! (`core::job::Ended`: cancelled or failed, never told apart by a message's wording).
//!
//! A page has one [`Jobs`]; starting a job supersedes the one running, whose [`Ticket`] then reads as
//! cancelled, so a late answer from a replaced job is dropped instead of overwriting the new one. Work on
//! the page's own thread goes in slices ([`Ticket::slice`]): about 12 ms of work, then the browser draws
//! and handles clicks (Cancel among them), then the next slice.

use leptos::prelude::*;

use crate::core::job::{Ended, JobResult};
pub use crate::web::tick::Slice;

/// What runs: its label, how far it is (0..=1), and a line on the current stage when there is one.
#[derive(Clone, Debug, PartialEq)]
pub struct Busy {
    pub label: String,
    pub progress: f64,
    pub stage: Option<String>,
}

/// The job runner of a page (cheap to copy; hand it to panels).
#[derive(Clone, Copy)]
pub struct Jobs {
    /// The number of the latest job; a ticket with another number is superseded or cancelled.
    run: StoredValue<u64>,
    busy: RwSignal<Option<Busy>>,
    /// What cancelling the running job must also do (abort its call in flight), if anything.
    on_cancel: StoredValue<Option<Box<dyn Fn()>>, LocalStorage>,
}

impl Default for Jobs {
    fn default() -> Self {
        Jobs::new()
    }
}

impl Jobs {
    pub fn new() -> Self {
        Jobs {
            run: StoredValue::new(0),
            busy: RwSignal::new(None),
            on_cancel: StoredValue::new_local(None),
        }
    }

    /// What runs now, `None` when nothing does (reactive: for the busy bar).
    pub fn busy(&self) -> ReadSignal<Option<Busy>> {
        self.busy.read_only()
    }

    /// Whether a job runs (reactive: for disabling buttons that would start another).
    pub fn is_busy(&self) -> bool {
        self.busy.with(Option::is_some)
    }

    /// Whether a job runs, read without subscribing (in event handlers).
    pub fn is_busy_now(&self) -> bool {
        self.busy.with_untracked(Option::is_some)
    }

    /// Runs and forgets the running job's cancel hook.
    fn fire_on_cancel(&self) {
        if let Some(f) = self.on_cancel.try_update_value(Option::take).flatten() {
            f();
        }
    }

    /// Starts a job labelled `label`, superseding any job that runs.
    pub fn start(&self, label: impl Into<String>) -> Ticket {
        self.fire_on_cancel();
        self.run.update_value(|r| *r += 1);
        self.busy.set(Some(Busy {
            label: label.into(),
            progress: 0.0,
            stage: None,
        }));
        Ticket {
            id: self.run.get_value(),
            jobs: *self,
        }
    }

    /// Cancels the running job: its ticket reads as cancelled from now on. Returns whether one ran.
    pub fn cancel(&self) -> bool {
        let running = self.busy.with_untracked(Option::is_some);
        self.fire_on_cancel();
        self.run.update_value(|r| *r += 1);
        self.busy.set(None);
        running
    }
}

/// One started job: how it reports progress and learns that it was cancelled.
#[derive(Clone, Copy)]
pub struct Ticket {
    id: u64,
    jobs: Jobs,
}

impl Ticket {
    fn current(&self) -> bool {
        self.jobs.run.try_get_value() == Some(self.id)
    }

    /// Reports how far the job is (0..=1).
    pub fn progress(&self, p: f64) {
        if self.current() {
            self.jobs.busy.update(|b| {
                if let Some(b) = b {
                    b.progress = p;
                }
            });
        }
    }

    /// Reports how far the job is, with a line on the stage it is at.
    pub fn stage(&self, p: f64, stage: Option<String>) {
        if self.current() {
            self.jobs.busy.update(|b| {
                if let Some(b) = b {
                    b.progress = p;
                    b.stage = stage;
                }
            });
        }
    }

    /// Whether the job was cancelled or superseded (then nothing it made may be kept).
    pub fn cancelled(&self) -> bool {
        !self.current()
    }

    /// `Err(Cancelled)` once the job was cancelled or superseded, for `?` in a job's body.
    pub fn check(&self) -> JobResult<()> {
        if self.cancelled() {
            Err(Ended::Cancelled)
        } else {
            Ok(())
        }
    }

    /// What a cancel must also do while this job runs — abort the call in flight, say — replacing
    /// the hook set before. It does nothing once the job was cancelled or superseded.
    pub fn on_cancel(&self, f: impl Fn() + 'static) {
        if self.current() {
            self.jobs.on_cancel.set_value(Some(Box::new(f)));
        }
    }

    /// Ends the job: the busy bar goes (unless another job has started since).
    pub fn end(&self) {
        if self.current() {
            self.jobs.busy.set(None);
            self.jobs.on_cancel.set_value(None);
        }
    }

    /// Between two pieces of page-thread work: once the current slice has run ~12 ms, reports `progress`,
    /// lets the browser draw and handle input, then says whether to go on (`Err(Cancelled)` if Cancel
    /// was pressed). Progress is only drawn here, once a slice, so reporting never costs more than the work.
    pub async fn slice(&self, slice: &mut Slice, progress: f64) -> JobResult<()> {
        if slice.due() {
            self.progress(progress);
            slice.pause().await;
            self.check()?;
        }
        Ok(())
    }
}
