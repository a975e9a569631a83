//! The in-page model's worker bundle: the inference engine (`core::model`, candle) and its worker side
//! (`web::model::serve`), and no page. `static/worker.js` loads it only when a student chooses "In this
//! page" in the connection panel, so no lab's first load carries the engine.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    datalab::web::model::serve();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    datalab::native_main();
}
