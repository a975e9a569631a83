//! Browser-side code, tested in headless Chromium with wasm-bindgen-test:
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --test web`.
#![cfg(target_arch = "wasm32")]

use datalab::core::tokenize::display::Chip;
use datalab::core::urlstate::Query;
use datalab::ui::widgets::bar_chart::BarChart;
use datalab::ui::widgets::token_chips::TokenChips;
use datalab::web::{panic, storage, tick, url};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A fresh element to mount a widget into.
fn host() -> web_sys::HtmlElement {
    let el: web_sys::HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&el).unwrap();
    el
}

#[wasm_bindgen_test]
fn query_state_round_trips_through_the_address_bar() {
    let mut q = Query::default();
    q.set("lab", Some("tokenizer"));
    q.set("text", Some("héllo & <|endoftext|>"));
    url::replace_query(&q);
    assert_eq!(url::current_query(), q);
    assert!(url::href_with(&q).contains("text=h%C3%A9llo"));
}

#[wasm_bindgen_test]
fn storage_keeps_values() {
    assert!(storage::set("datalab:test", "value ✓"));
    assert_eq!(storage::get("datalab:test").as_deref(), Some("value ✓"));
    assert_eq!(storage::get("datalab:missing"), None);
}

#[wasm_bindgen_test]
async fn sleeping_yields_and_resumes() {
    let t0 = tick::now_ms();
    tick::sleep(20).await;
    assert!(tick::now_ms() - t0 >= 15.0);
}

#[wasm_bindgen_test]
fn error_panel_shows_the_message_as_text() {
    panic::show_error_panel("<img src=x onerror=alert(1)> broke");
    let panel = document().get_element_by_id("error-panel").unwrap();
    assert!(panel
        .text_content()
        .unwrap()
        .contains("<img src=x onerror=alert(1)> broke"));
    assert!(panel.query_selector("img").unwrap().is_none());
    assert_eq!(panel.get_attribute("role").as_deref(), Some("alert"));
    panel.remove();
}

#[wasm_bindgen_test]
async fn token_chips_render_text_and_toggle_ids() {
    let chips = vec![
        Chip {
            id: 27,
            start: 0,
            end: 1,
            text: "<b>".into(),
            partial: false,
            hex: "3c 62 3e".into(),
        },
        Chip {
            id: 50256,
            start: 3,
            end: 4,
            text: "’".into(),
            partial: true,
            hex: "e2".into(),
        },
    ];
    let show_ids = RwSignal::new(false);
    let el = host();
    let _handle = leptos::mount::mount_to(el.clone(), move || {
        view! { <TokenChips chips=chips.clone() total=5 show_ids=show_ids show_ws=false label="test chips" /> }
    });
    assert_eq!(el.query_selector_all(".chip").unwrap().length(), 2);
    assert!(
        el.query_selector("b").unwrap().is_none(),
        "chip text must not become HTML"
    );
    assert!(el.text_content().unwrap().contains("<b>"));
    assert!(el.query_selector(".chip.partial").unwrap().is_some());
    assert!(el
        .text_content()
        .unwrap()
        .contains("Showing the first 2 of 5 tokens"));
    assert!(el.query_selector(".chip-id").unwrap().is_none());
    show_ids.set(true);
    tick::sleep(10).await;
    assert_eq!(el.query_selector_all(".chip-id").unwrap().length(), 2);
    let tip = el
        .query_selector(".chip")
        .unwrap()
        .unwrap()
        .get_attribute("data-tip")
        .unwrap();
    assert_eq!(tip, "#1 · id 27 · bytes 3c 62 3e");
}

#[wasm_bindgen_test]
async fn bar_chart_draws_on_its_canvas() {
    let data = RwSignal::new(vec![
        ("gpt2".to_string(), 12.0),
        ("cl100k_base".to_string(), 9.0),
    ]);
    let el = host();
    let _handle = leptos::mount::mount_to(el.clone(), move || {
        view! { <BarChart data=data title="Tokens" y_label="tokens" /> }
    });
    tick::sleep(30).await;
    let canvas: web_sys::HtmlCanvasElement = el
        .query_selector("canvas")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert!(canvas
        .get_attribute("aria-label")
        .unwrap()
        .contains("gpt2: 12"));
    let ctx: web_sys::CanvasRenderingContext2d =
        canvas.get_context("2d").unwrap().unwrap().unchecked_into();
    let w = canvas.width() as f64;
    let h = canvas.height() as f64;
    let pixels = ctx.get_image_data(0.0, 0.0, w, h).unwrap().data();
    // Navy (0x1A, 0x36, 0x5D) or gold (0xC9, 0xA2, 0x27) bars must be on the canvas.
    let coloured = pixels
        .chunks(4)
        .filter(|p| {
            (p[0], p[1], p[2]) == (0x1A, 0x36, 0x5D) || (p[0], p[1], p[2]) == (0xC9, 0xA2, 0x27)
        })
        .count();
    assert!(coloured > 500, "only {coloured} bar pixels");
}

#[wasm_bindgen_test]
async fn indexeddb_keeps_text_and_bytes_across_reopen() {
    use datalab::web::idb::{usage, Db};
    const STORES: &[&str] = &["versions", "blobs"];
    let db = Db::open("datalab-test", 1, STORES).await.expect("opens");
    db.put("versions", "v1", "{\"rows\": 3}").await.unwrap();
    db.put_bytes("blobs", "b1", &[0, 1, 2, 255]).await.unwrap();
    db.put("versions", "v0", "older").await.unwrap();
    assert_eq!(
        db.get("versions", "v1").await.unwrap().as_deref(),
        Some("{\"rows\": 3}")
    );
    assert_eq!(db.get("versions", "missing").await.unwrap(), None);
    assert_eq!(db.keys("versions").await.unwrap(), ["v0", "v1"]);
    // A second connection (as after a reload) sees what the first committed.
    let again = Db::open("datalab-test", 1, STORES).await.unwrap();
    assert_eq!(
        again.get_bytes("blobs", "b1").await.unwrap(),
        Some(vec![0, 1, 2, 255])
    );
    again.delete("versions", "v0").await.unwrap();
    assert_eq!(db.keys("versions").await.unwrap(), ["v1"]);
    let (used, quota) = usage().await.expect("the browser reports storage use");
    assert!(quota > 0.0 && used >= 0.0);
}

#[wasm_bindgen_test]
async fn workspace_store_round_trips_versions_and_quarantine() {
    use datalab::core::dataset::importer::import_text;
    use datalab::core::dataset::parse::CsvMapping;
    use datalab::core::dataset::validate::quarantine_to_store;
    use datalab::core::dataset::workspace::{Transform, Workspace};
    use datalab::web::dataset_store::WorkspaceStore;

    let store = WorkspaceStore::open().await.expect("opens");
    store.clear().await.unwrap();
    assert_eq!(store.load().await.unwrap(), None);
    let imported = import_text(
        "[{\"instruction\": \"a\", \"output\": \"b\\nc\"}, {\"output\": 1}]".into(),
        "t.json",
        None,
        &CsvMapping::default(),
    )
    .unwrap();
    let mut ws = Workspace::default();
    let v = ws.add(
        &imported.records,
        Transform {
            name: "import",
            params: serde_json::json!({}),
            created: "2026-11-24T00:00:00Z",
            quarantined: 1,
            tokenizer: None,
            note: "",
            schema: Some(imported.schema.clone()),
        },
    );
    store.save_rows(&v.id, &imported.records).await.unwrap();
    store
        .save_quarantine(&v.id, &quarantine_to_store(&imported.quarantined))
        .await
        .unwrap();
    store.save_manifest(&ws).await.unwrap();
    // As after a reload: a new connection reads it all back.
    let again = WorkspaceStore::open().await.unwrap();
    assert_eq!(again.load().await.unwrap(), Some(ws.clone()));
    assert_eq!(
        again.load_rows(&v.id, |_| ()).await.unwrap(),
        Some(imported.records.clone())
    );
    assert_eq!(
        again.load_quarantine(&v.id).await.unwrap(),
        imported.quarantined
    );
    assert_eq!(again.load_rows("ds-missing", |_| ()).await.unwrap(), None);
    again.clear().await.unwrap();
    assert_eq!(again.load().await.unwrap(), None);
    assert_eq!(again.load_rows(&v.id, |_| ()).await.unwrap(), None);
}
