//! The A/B lab's experiment log in IndexedDB: entries are appended under their zero-padded number and
//! never changed or removed (`Db::add` refuses a key that exists). Its own database, so opening it never
//! upgrades (and blocks) the workspace's.

use crate::core::ab::log::{key, Entry};
use crate::web::idb::{Db, StoreError};

const DB_NAME: &str = "datalab-experiments";
const DB_VERSION: u32 = 1;
const LOG: &str = "log";
const STORES: &[&str] = &[LOG];

async fn open() -> Result<Db, StoreError> {
    Db::open(DB_NAME, DB_VERSION, STORES).await
}

/// Every entry, oldest first. Entries that cannot be read are skipped and counted in the error text.
pub async fn load() -> Result<(Vec<Entry>, usize), StoreError> {
    let db = open().await?;
    let mut out = Vec::new();
    let mut unreadable = 0;
    for k in db.keys(LOG).await? {
        match db.get(LOG, &k).await? {
            Some(json) => match serde_json::from_str::<Entry>(&json) {
                Ok(e) => out.push(e),
                Err(_) => unreadable += 1,
            },
            None => unreadable += 1,
        }
    }
    out.sort_by_key(|e| e.n);
    Ok((out, unreadable))
}

/// Appends `entry` (its number must be new).
pub async fn append(entry: &Entry) -> Result<(), StoreError> {
    let db = open().await?;
    let json = serde_json::to_string(entry).map_err(|e| StoreError::Other(e.to_string()))?;
    db.add(LOG, &key(entry.n), &json).await
}
