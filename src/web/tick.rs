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

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = warn)]
    fn console_warn(s: &str);
}

/// Logs a warning to the browser console.
pub fn warn(s: &str) {
    console_warn(s);
}
