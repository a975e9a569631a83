//! Entry point of the lab in the browser: install the panic panel, then mount the app.

#[cfg(target_arch = "wasm32")]
fn main() {
    // The same module also runs in the lab's background worker (static/worker.js): there it serves jobs.
    if datalab::web::worker::in_worker() {
        console_error_panic_hook::set_once();
        datalab::web::worker::serve();
        return;
    }
    datalab::web::panic::install();
    leptos::mount::mount_to_body(datalab::ui::app::App);
    // The static "Loading the lab…" note has done its job.
    if let Some(boot) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("boot"))
    {
        boot.remove();
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("datalab runs in the browser: use `scripts/serve.sh` (see README.md).");
}
