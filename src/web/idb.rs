//! IndexedDB, the browser's durable store: datasets and their versions must survive a reload and a browser
//! restart, and are far larger than `localStorage` allows. A thin async wrapper: one database, named
//! object stores, string or byte values under string keys. Writes resolve when their transaction has
//! committed, so "saved" means saved. A full disk or quota becomes [`StoreError::Quota`], so the page can
//! say so plainly and keep what it has.

use js_sys::{Array, Promise, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbObjectStore, IdbRequest, IdbTransaction, IdbTransactionMode};

/// Why a storage operation failed, in words a student can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreError {
    /// The browser's storage quota is used up (or the disk is full).
    Quota(String),
    /// IndexedDB cannot be used here (private browsing in some browsers, a blocked frame, an old browser).
    Unavailable(String),
    /// Anything else, with the browser's message.
    Other(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Quota(m) => write!(
                f,
                "The browser's storage for this lab is full ({m}). Nothing was lost: export the workspace, then delete old versions to make room."
            ),
            StoreError::Unavailable(m) => write!(
                f,
                "This browser does not let the lab store data ({m}). Your work stays in this tab only: export it before closing."
            ),
            StoreError::Other(m) => write!(f, "Storage failed: {m}"),
        }
    }
}

impl std::error::Error for StoreError {}

fn classify(e: JsValue) -> StoreError {
    let name = js_sys::Reflect::get(&e, &"name".into())
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default();
    let message = js_sys::Reflect::get(&e, &"message".into())
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_else(|| format!("{e:?}"));
    match name.as_str() {
        "QuotaExceededError" => StoreError::Quota(message),
        "InvalidStateError" | "SecurityError" | "UnknownError" => StoreError::Unavailable(message),
        _ => StoreError::Other(if name.is_empty() {
            message
        } else {
            format!("{name}: {message}")
        }),
    }
}

/// Resolves with the request's result, or rejects with its error.
async fn request(req: &IdbRequest) -> Result<JsValue, StoreError> {
    let req2 = req.clone();
    let promise = Promise::new(&mut |resolve, reject| {
        let ok_req = req2.clone();
        let on_ok = Closure::once_into_js(move || {
            let _ = resolve.call1(
                &JsValue::NULL,
                &ok_req.result().unwrap_or(JsValue::UNDEFINED),
            );
        });
        let err_req = req2.clone();
        let on_err = Closure::once_into_js(move || {
            let e = err_req
                .error()
                .ok()
                .flatten()
                .map(JsValue::from)
                .unwrap_or(JsValue::NULL);
            let _ = reject.call1(&JsValue::NULL, &e);
        });
        req2.set_onsuccess(Some(on_ok.unchecked_ref()));
        req2.set_onerror(Some(on_err.unchecked_ref()));
    });
    JsFuture::from(promise).await.map_err(classify)
}

/// Resolves when the transaction has committed; rejects if it aborts (a quota error surfaces here).
async fn committed(tx: &IdbTransaction) -> Result<(), StoreError> {
    let tx2 = tx.clone();
    let promise = Promise::new(&mut |resolve, reject| {
        let on_done = Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let err_tx = tx2.clone();
        let reject2 = reject.clone();
        let on_abort = Closure::once_into_js(move || {
            let e = err_tx.error().map(JsValue::from).unwrap_or(JsValue::NULL);
            let _ = reject2.call1(&JsValue::NULL, &e);
        });
        let err_tx = tx2.clone();
        let on_error = Closure::once_into_js(move || {
            let e = err_tx.error().map(JsValue::from).unwrap_or(JsValue::NULL);
            let _ = reject.call1(&JsValue::NULL, &e);
        });
        tx2.set_oncomplete(Some(on_done.unchecked_ref()));
        tx2.set_onabort(Some(on_abort.unchecked_ref()));
        tx2.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise).await.map(|_| ()).map_err(classify)
}

/// An open database.
#[derive(Clone)]
pub struct Db {
    db: IdbDatabase,
}

impl Db {
    /// Opens (creating or upgrading as needed) database `name` with the given object stores.
    pub async fn open(
        name: &str,
        version: u32,
        stores: &'static [&'static str],
    ) -> Result<Db, StoreError> {
        let factory = web_sys::window()
            .ok_or_else(|| StoreError::Unavailable("no window".into()))?
            .indexed_db()
            .map_err(classify)?
            .ok_or_else(|| StoreError::Unavailable("IndexedDB is missing".into()))?;
        let open = factory.open_with_u32(name, version).map_err(classify)?;
        let on_upgrade = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
            let Some(req) = ev.target().and_then(|t| t.dyn_into::<IdbRequest>().ok()) else {
                return;
            };
            let Ok(db) = req.result().and_then(|r| r.dyn_into::<IdbDatabase>()) else {
                return;
            };
            let existing = db.object_store_names();
            for s in stores {
                if !existing.contains(s) {
                    let _ = db.create_object_store(s);
                }
            }
        });
        open.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
        let result = request(&open).await;
        drop(on_upgrade);
        let db = result?.dyn_into::<IdbDatabase>().map_err(classify)?;
        // Another tab deleting or upgrading the database must not wait on this one forever: let go of it.
        // Later saves here then fail with a message, and the work stays in the tab.
        let closing = db.clone();
        let on_version_change = Closure::<dyn FnMut()>::new(move || closing.close());
        db.set_onversionchange(Some(on_version_change.as_ref().unchecked_ref()));
        on_version_change.forget();
        Ok(Db { db })
    }

    fn store(
        &self,
        store: &str,
        write: bool,
    ) -> Result<(IdbTransaction, IdbObjectStore), StoreError> {
        let mode = if write {
            IdbTransactionMode::Readwrite
        } else {
            IdbTransactionMode::Readonly
        };
        let tx = self
            .db
            .transaction_with_str_and_mode(store, mode)
            .map_err(classify)?;
        let os = tx.object_store(store).map_err(classify)?;
        Ok((tx, os))
    }

    async fn put_value(&self, store: &str, key: &str, value: &JsValue) -> Result<(), StoreError> {
        let (tx, os) = self.store(store, true)?;
        os.put_with_key(value, &key.into()).map_err(classify)?;
        committed(&tx).await
    }

    /// Stores text under `key` (replacing any value).
    pub async fn put(&self, store: &str, key: &str, value: &str) -> Result<(), StoreError> {
        self.put_value(store, key, &value.into()).await
    }

    /// Stores text under a new `key`; fails if the key is taken (for append-only stores: nothing is
    /// ever overwritten, even by two tabs appending at once).
    pub async fn add(&self, store: &str, key: &str, value: &str) -> Result<(), StoreError> {
        let (tx, os) = self.store(store, true)?;
        os.add_with_key(&value.into(), &key.into())
            .map_err(classify)?;
        committed(&tx).await
    }

    /// Stores bytes under `key`.
    pub async fn put_bytes(&self, store: &str, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.put_value(store, key, &Uint8Array::from(value).into())
            .await
    }

    async fn get_value(&self, store: &str, key: &str) -> Result<JsValue, StoreError> {
        let (_tx, os) = self.store(store, false)?;
        let req = os.get(&key.into()).map_err(classify)?;
        request(&req).await
    }

    /// The text under `key`, if any.
    pub async fn get(&self, store: &str, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.get_value(store, key).await?.as_string())
    }

    /// The bytes under `key`, if any.
    pub async fn get_bytes(&self, store: &str, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let v = self.get_value(store, key).await?;
        Ok(v.dyn_into::<Uint8Array>().ok().map(|a| a.to_vec()))
    }

    /// Removes `key` (no error when absent).
    pub async fn delete(&self, store: &str, key: &str) -> Result<(), StoreError> {
        let (tx, os) = self.store(store, true)?;
        os.delete(&key.into()).map_err(classify)?;
        committed(&tx).await
    }

    /// All keys of a store, sorted.
    pub async fn keys(&self, store: &str) -> Result<Vec<String>, StoreError> {
        let (_tx, os) = self.store(store, false)?;
        let req = os.get_all_keys().map_err(classify)?;
        let arr: Array = request(&req).await?.dyn_into().map_err(classify)?;
        Ok(arr.iter().filter_map(|k| k.as_string()).collect())
    }
}

/// Bytes used and the quota the browser grants this origin, when it says (`navigator.storage.estimate()`).
pub async fn usage() -> Option<(f64, f64)> {
    let storage = web_sys::window()?.navigator().storage();
    let est = JsFuture::from(storage.estimate().ok()?).await.ok()?;
    let get = |k: &str| js_sys::Reflect::get(&est, &k.into()).ok()?.as_f64();
    Some((get("usage")?, get("quota")?))
}
