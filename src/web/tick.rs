//! Yielding to the browser's event loop, so long work can run in slices without freezing the page.

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// Resolves after `ms` milliseconds (0: after the browser has handled pending input and painted).
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = web_sys::window()
            .expect("a window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = JsFuture::from(promise).await;
}

/// Lets the browser run between two slices of work.
pub async fn yield_now() {
    sleep(0).await
}

/// Milliseconds since the page started, for timing and throttling.
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// How long a slice of page-thread work runs before the browser gets a turn: short enough that typing
/// and drawing stay smooth (a frame is ~16 ms), long enough that yielding costs little.
pub const SLICE_MS: f64 = 12.0;

/// The one slicing helper for page-thread work: call [`Slice::pause`] between small pieces of work; once
/// the slice has run [`SLICE_MS`] it yields to the browser and says so, so the caller can report progress
/// and see whether it should go on. (Jobs with a busy bar use `ui::jobs::Ticket::slice`, built on this.)
pub struct Slice(f64);

impl Slice {
    pub fn new() -> Self {
        Slice(now_ms())
    }

    /// Whether the current slice has run its time.
    pub fn due(&self) -> bool {
        now_ms() - self.0 > SLICE_MS
    }

    /// Yields to the browser if the slice is due and starts the next one; returns whether it yielded.
    pub async fn pause(&mut self) -> bool {
        if !self.due() {
            return false;
        }
        yield_now().await;
        self.0 = now_ms();
        true
    }
}

impl Default for Slice {
    fn default() -> Self {
        Slice::new()
    }
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = warn)]
    fn console_warn(s: &str);
}

/// Logs a warning to the browser console.
pub fn warn(s: &str) {
    console_warn(s);
}
