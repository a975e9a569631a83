//! The background worker's bundle: the worker side of every job (`web::worker::serve`) and no page, so the
//! page bundles carry none of it. `static/worker.js` loads it when a lab starts its first worker.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    datalab::web::worker::serve();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    datalab::native_main();
}
