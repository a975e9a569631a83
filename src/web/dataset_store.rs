//! The dataset workspace in IndexedDB: the manifest (versions, current, audits) under one key, each
//! version's rows and quarantine under its id. A version's rows are written before the manifest that
//! names it, so a failed or interrupted save never leaves a manifest pointing at missing rows — the
//! stored workspace is always the last one that saved completely.
//!
//! Rows are serialised and parsed in slices (yielding to the browser), so saving or loading a 75 MB version
//! keeps the page responsive.

use crate::core::dataset::record::Record;
use crate::core::dataset::validate::{quarantine_from_store, Quarantined};
use crate::core::dataset::workspace::Workspace;
use crate::web::idb::{Db, StoreError};
use crate::web::tick::Slice;

const DB_NAME: &str = "datalab-workspace";
const DB_VERSION: u32 = 1;
const META: &str = "meta";
const ROWS: &str = "rows";
const QUARANTINE: &str = "quarantine";
const STORES: &[&str] = &[META, ROWS, QUARANTINE];
const MANIFEST_KEY: &str = "workspace";

/// The open workspace database.
#[derive(Clone)]
pub struct WorkspaceStore {
    db: Db,
}

impl WorkspaceStore {
    pub async fn open() -> Result<Self, StoreError> {
        Ok(WorkspaceStore {
            db: Db::open(DB_NAME, DB_VERSION, STORES).await?,
        })
    }

    /// The saved workspace, if there is one.
    pub async fn load(&self) -> Result<Option<Workspace>, StoreError> {
        match self.db.get(META, MANIFEST_KEY).await? {
            None => Ok(None),
            Some(json) => serde_json::from_str(&json).map(Some).map_err(|e| {
                StoreError::Other(format!(
                    "the saved workspace is unreadable ({e}); import a workspace zip to restore it"
                ))
            }),
        }
    }

    pub async fn save_manifest(&self, ws: &Workspace) -> Result<(), StoreError> {
        let json = serde_json::to_string(ws).map_err(|e| StoreError::Other(e.to_string()))?;
        self.db.put(META, MANIFEST_KEY, &json).await
    }

    /// Saves a version's rows (one JSON object a line, provenance included).
    pub async fn save_rows(&self, id: &str, rows: &[Record]) -> Result<(), StoreError> {
        let mut text = String::with_capacity(rows.len() * 256);
        let mut slice = Slice::new();
        for (i, r) in rows.iter().enumerate() {
            text.push_str(&serde_json::to_string(r).expect("a record serialises"));
            text.push('\n');
            if i % 256 == 0 {
                slice.pause().await;
            }
        }
        self.db.put(ROWS, id, &text).await
    }

    /// A version's rows; `None` if they are not stored. `progress` gets 0..=1 while parsing.
    pub async fn load_rows(
        &self,
        id: &str,
        progress: impl Fn(f64),
    ) -> Result<Option<Vec<Record>>, StoreError> {
        let Some(text) = self.db.get(ROWS, id).await? else {
            return Ok(None);
        };
        let mut rows = Vec::new();
        let mut slice = Slice::new();
        let mut pos = 0;
        for (n, line) in text.split_terminator('\n').enumerate() {
            pos += line.len() + 1;
            let r: Record = serde_json::from_str(line).map_err(|e| {
                StoreError::Other(format!(
                    "the stored rows of {id} are damaged at line {}: {e}",
                    n + 1
                ))
            })?;
            rows.push(r);
            if n % 64 == 0 && slice.due() {
                progress(pos as f64 / text.len().max(1) as f64);
                slice.pause().await;
            }
        }
        Ok(Some(rows))
    }

    /// Saves a version's quarantined rows (stored form, see `quarantine_to_store`); an empty text
    /// deletes the entry.
    pub async fn save_quarantine(&self, id: &str, stored: &str) -> Result<(), StoreError> {
        if stored.is_empty() {
            self.db.delete(QUARANTINE, id).await
        } else {
            self.db.put(QUARANTINE, id, stored).await
        }
    }

    /// The stored quarantine text of a version ("" when none).
    pub async fn quarantine_text(&self, id: &str) -> Result<String, StoreError> {
        Ok(self.db.get(QUARANTINE, id).await?.unwrap_or_default())
    }

    /// A version's quarantined rows, with their reasons recomputed.
    pub async fn load_quarantine(&self, id: &str) -> Result<Vec<Quarantined>, StoreError> {
        let text = self.quarantine_text(id).await?;
        quarantine_from_store(&text).map_err(StoreError::Other)
    }

    /// Deletes one version's data (the manifest is saved separately).
    pub async fn delete_version(&self, id: &str) -> Result<(), StoreError> {
        self.db.delete(ROWS, id).await?;
        self.db.delete(QUARANTINE, id).await
    }

    /// Deletes everything: the manifest first, so a half-finished delete leaves no workspace behind.
    pub async fn clear(&self) -> Result<(), StoreError> {
        self.db.delete(META, MANIFEST_KEY).await?;
        for store in [ROWS, QUARANTINE] {
            for key in self.db.keys(store).await? {
                self.db.delete(store, &key).await?;
            }
        }
        Ok(())
    }
}
