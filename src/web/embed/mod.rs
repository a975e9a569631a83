//! A lab inside a slide (`?embed=1`): the talk with the page around it (`core::embed` has the messages).
//!
//! - Height: the lab posts `{type: "datalab:resize", height}` after load and whenever its height changes, so
//!   the host can size the iframe.
//! - Slides: reveal.js posts `slide:stop` when the slide is hidden and `slide:start` when it is shown; the
//!   lab pauses its timers, animations and polling in between ([`on_stage`], [`wait_on_stage`]).
//! - State: a frame denied `localStorage` asks the host (`embed-host.js`) to keep it ([`connect_host`]);
//!   `form` keeps every control's value through that store, so an unloaded slide comes back as it was.
//! - `panel` shows one panel of a lab; `&present=1` is styled in CSS.

pub mod form;
pub mod panel;

use std::cell::{Cell, RefCell};

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::embed::{FromHost, Keeping, Slide, ToHost, PROTOCOL};

/// A callback told whether the slide was hidden (`true`) or shown.
type SlideListener = Box<dyn Fn(bool)>;

thread_local! {
    static KEEPING: Cell<Keeping> = const { Cell::new(Keeping::Local) };
    static STOPPED: Cell<bool> = const { Cell::new(false) };
    static ON_SLIDE: RefCell<Vec<SlideListener>> = const { RefCell::new(Vec::new()) };
}

/// The origin of the page around this frame, where the browser tells it (`location.ancestorOrigins`).
fn host_origin() -> Option<String> {
    // Chromium and Safari have it; Firefox does not (then replies are checked by their window alone).
    let w = web_sys::window()?;
    let origins = js_sys::Reflect::get(&w.location(), &"ancestorOrigins".into()).ok()?;
    let origins = origins.dyn_into::<web_sys::DomStringList>().ok()?;
    origins.item(0).filter(|o| o != "null")
}

/// Posts a message to the parent page (only to its origin when known); false when there is no parent.
pub fn post_to_host(msg: &ToHost) -> bool {
    if !is_embedded() {
        return false;
    }
    let Some(w) = web_sys::window() else {
        return false;
    };
    let Ok(Some(parent)) = w.parent() else {
        return false;
    };
    let Ok(json) = serde_json::to_string(msg) else {
        return false;
    };
    let Ok(obj) = js_sys::JSON::parse(&json) else {
        return false;
    };
    let target = host_origin().unwrap_or_else(|| "*".into());
    parent.post_message(&obj, &target).is_ok()
}

/// Whether a message event came from this frame's parent page.
fn from_parent(e: &web_sys::MessageEvent) -> bool {
    let parent = web_sys::window().and_then(|w| w.parent().ok().flatten());
    let same_window = match (e.source(), parent) {
        (Some(s), Some(p)) => js_sys::Object::is(&s, &p),
        _ => false,
    };
    same_window && host_origin().is_none_or(|o| o == e.origin())
}

/// Where this page's small state lives (the embed bar says when it is not kept).
pub fn keeping() -> Keeping {
    KEEPING.with(Cell::get)
}

/// Before the lab starts in a frame that is denied `localStorage`: asks the host page for what it keeps for
/// this origin and, if it answers within `wait_ms`, makes it the store. Otherwise state is not kept.
pub async fn connect_host(wait_ms: i32) -> Keeping {
    if !is_embedded() || crate::web::storage::local().is_some() {
        return Keeping::Local;
    }
    let answer: std::rc::Rc<RefCell<Option<FromHost>>> = Default::default();
    let got = answer.clone();
    let listener =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            if !from_parent(&e) {
                return;
            }
            let Some(json) = js_sys::JSON::stringify(&e.data())
                .ok()
                .and_then(|s| s.as_string())
            else {
                return;
            };
            if let Ok(m) = serde_json::from_str::<FromHost>(&json) {
                *got.borrow_mut() = Some(m);
            }
        });
    let w = web_sys::window().expect("a window");
    let _ = w.add_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
    let keeping = if post_to_host(&ToHost::Hello { protocol: PROTOCOL }) {
        let start = crate::web::tick::now_ms();
        while answer.borrow().is_none() && crate::web::tick::now_ms() - start < f64::from(wait_ms) {
            crate::web::tick::sleep(10).await;
        }
        match answer.borrow_mut().take() {
            Some(FromHost::Kept { items, .. }) => {
                crate::web::storage::use_host(items);
                Keeping::Host
            }
            None => Keeping::Nowhere,
        }
    } else {
        Keeping::Nowhere
    };
    let _ = w.remove_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
    KEEPING.with(|k| k.set(keeping));
    keeping
}

/// Posts `{type: "datalab:resize", height}` to the parent now and whenever the page's height changes.
pub fn post_height_to_parent() {
    let Some(w) = web_sys::window() else { return };
    let Some(body) = w.document().and_then(|d| d.body()) else {
        return;
    };
    let post = move || {
        let height = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
            .map_or(0, |e| e.scroll_height());
        post_to_host(&ToHost::Resize {
            height: f64::from(height),
        });
    };
    let observer_cb = Closure::<dyn FnMut()>::new(post);
    if let Ok(observer) = web_sys::ResizeObserver::new(observer_cb.as_ref().unchecked_ref()) {
        observer.observe(&body);
        // The observer lives as long as the page.
        std::mem::forget(observer);
    }
    observer_cb.forget();
}

/// Listens for reveal.js' `slide:start` / `slide:stop` for the page's lifetime; the root element carries
/// `data-slide="started"|"stopped"` (CSS pauses animations while stopped).
pub fn listen_for_slides() {
    let Some(w) = web_sys::window() else { return };
    // Shown until told otherwise — or as the last message boot.js caught while the lab was loading said.
    let early = js_sys::Reflect::get(&js_sys::global(), &"datalab".into())
        .and_then(|d| js_sys::Reflect::get(&d, &"slide".into()))
        .ok()
        .and_then(|v| v.as_string());
    let stopped = early.as_deref().and_then(Slide::parse) == Some(Slide::Stop);
    STOPPED.with(|s| s.set(stopped));
    if let Some(root) = w.document().and_then(|d| d.document_element()) {
        let _ = root.set_attribute("data-slide", if stopped { "stopped" } else { "started" });
    }
    let cb = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(|e: web_sys::MessageEvent| {
        if !from_parent(&e) {
            return;
        }
        let Some(slide) = e.data().as_string().and_then(|s| Slide::parse(&s)) else {
            return;
        };
        let stopped = slide == Slide::Stop;
        STOPPED.with(|s| s.set(stopped));
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = root.set_attribute("data-slide", if stopped { "stopped" } else { "started" });
        }
        ON_SLIDE.with(|l| l.borrow().iter().for_each(|f| f(stopped)));
    });
    let _ = w.add_event_listener_with_callback("message", cb.as_ref().unchecked_ref());
    cb.forget();
}

/// Calls `f(stopped)` whenever the slide is hidden (`true`) or shown again (`false`).
pub fn on_slide(f: impl Fn(bool) + 'static) {
    ON_SLIDE.with(|l| l.borrow_mut().push(Box::new(f)));
}

/// Whether the slide holding this lab is shown (always, outside a deck).
pub fn on_stage() -> bool {
    !STOPPED.with(Cell::get)
}

/// Waits while the slide is hidden: polling loops call this before each poll.
pub async fn wait_on_stage() {
    while !on_stage() {
        crate::web::tick::sleep(200).await;
    }
}

/// Whether the lab runs inside another page's frame (a slide): a cross-origin iframe then needs the
/// embedding page to grant local-network access before the lab may call Ollama on localhost.
pub fn is_embedded() -> bool {
    crate::web::url::in_frame()
}

/// Calls `callback` (a `MutationObserver` callback) whenever nodes are added to or removed from the lab's
/// body (`#main`): what the form keeper and `&panel=` watch for controls and panels drawn later.
pub fn observe_main(callback: &js_sys::Function) {
    let main = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("main"));
    if let (Ok(obs), Some(main)) = (web_sys::MutationObserver::new(callback), main) {
        let init = web_sys::MutationObserverInit::new();
        init.set_child_list(true);
        init.set_subtree(true);
        let _ = obs.observe_with_options(&main, &init);
    }
}
