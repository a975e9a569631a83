//! The dataset workspace: immutable versions with lineage, rollback, seeded sample audits, and the whole
//! workspace as one zip that round-trips byte for byte (slide 23: "version datasets after every transform",
//! "support rollback", "immutable snapshot folders").
//!
//! Versions are never changed or deleted by a transform: a transform adds a version whose parent is the
//! current one; rollback only moves "current". A version's id hashes its content together with its parent,
//! transform and parameters ([`content::version_id`]), so re-importing an exported workspace gives the same ids.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::content::{content_hash, version_id, VersionMeta};
use super::ledger::{waiver_problem, Check, Release, Waiver};
use super::record::Record;
use super::validate::{self, quarantine_from_store, record_schema, Schema};
use crate::core::archive::zip::{read_zip, write_zip, Entry};

/// One immutable version's description (its rows are stored separately, under its id).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DatasetVersion {
    pub id: String,
    pub parent: Option<String>,
    /// What made it: `import`, `edit`, `filter`, `dedup`, `refine`, `split`, …
    pub transform: String,
    pub params: serde_json::Value,
    /// ISO 8601 time it was made.
    pub created: String,
    /// SHA-256 over the canonical rows.
    pub content_hash: String,
    pub rows: usize,
    /// Rows held back by validation when this version was made.
    pub quarantined: usize,
    /// The tokenizer version any token counts in it were made with.
    pub tokenizer: Option<String>,
    pub note: String,
    /// Fields and JSON types of the rows it was made from (for an import: as found in the file).
    #[serde(default)]
    pub schema: Schema,
    /// How `schema` differs from the version that was current before this one (one sentence per change).
    #[serde(default)]
    pub drift: Vec<String>,
    /// The version `drift` compares against.
    #[serde(default)]
    pub drift_from: Option<String>,
}

/// A verdict in a sample audit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    Good,
    Bad,
}

/// A seeded random sample of a version's rows, reviewed by hand (slide 4: "random sample audit before
/// training").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audit {
    pub seed: u64,
    /// Row indices, ascending.
    pub rows: Vec<usize>,
    /// Verdicts so far: row index → (verdict, note).
    pub verdicts: BTreeMap<usize, (Verdict, String)>,
}

impl Audit {
    /// Share of reviewed rows judged good, and how many are reviewed.
    pub fn score(&self) -> (f64, usize) {
        let n = self.verdicts.len();
        let good = self
            .verdicts
            .values()
            .filter(|v| v.0 == Verdict::Good)
            .count();
        (if n == 0 { 0.0 } else { good as f64 / n as f64 }, n)
    }
}

/// All versions, which one is current, and the audits.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Workspace {
    /// In creation order.
    pub versions: Vec<DatasetVersion>,
    pub current: Option<String>,
    /// Audits by version id.
    pub audits: BTreeMap<String, Audit>,
    /// Checks that ran on a version (gate runs, duplicate searches), oldest first.
    #[serde(default)]
    pub checks: Vec<Check>,
    /// Waived release gates: version id → gate number → waiver.
    #[serde(default)]
    pub waivers: BTreeMap<String, BTreeMap<u8, Waiver>>,
    /// Teaching-ready examples: version id → row indices the student marked.
    #[serde(default)]
    pub marked: BTreeMap<String, BTreeSet<usize>>,
    /// Releases, oldest first. A released version is never deleted and its record never changes.
    #[serde(default)]
    pub releases: Vec<Release>,
}

/// Checks kept per workspace (the oldest go first): enough for every version a class makes.
const MAX_CHECKS: usize = 500;

fn fields(r: &Record) -> [&str; 3] {
    [r.instruction.as_str(), r.input.as_str(), r.output.as_str()]
}

/// What a transform records about itself.
pub struct Transform<'a> {
    pub name: &'a str,
    pub params: serde_json::Value,
    pub created: &'a str,
    pub quarantined: usize,
    pub tokenizer: Option<String>,
    pub note: &'a str,
    /// The rows' schema; `None` keeps the parent's (a transform of validated records does not change it).
    pub schema: Option<Schema>,
}

impl Workspace {
    /// Adds the version `rows` make under `t`, as a child of the current version, and makes it current.
    /// If exactly that version exists already (same content, parent, transform, parameters), it is made
    /// current instead of being added twice.
    pub fn add(&mut self, rows: &[Record], t: Transform<'_>) -> DatasetVersion {
        let hash = content_hash(rows.iter().map(fields));
        let parent = self.current.clone();
        self.commit(hash, rows.len(), parent, t).0
    }

    /// Adds an imported dataset (content hash already computed, `rows` valid rows). An import starts a
    /// new lineage (it has no parent: its rows come from a file, not from another version). If some
    /// version already has exactly this content — e.g. a file exported from this workspace is imported
    /// again — that version is made current instead, so the same data keeps the same id. The flag is true
    /// when a version was added.
    pub fn import_version(
        &mut self,
        hash: String,
        rows: usize,
        t: Transform<'_>,
    ) -> (DatasetVersion, bool) {
        let same = self
            .current_version()
            .filter(|v| v.content_hash == hash)
            .or_else(|| self.versions.iter().rev().find(|v| v.content_hash == hash))
            .cloned();
        if let Some(v) = same {
            self.current = Some(v.id.clone());
            return (v, false);
        }
        self.commit(hash, rows, None, t)
    }

    /// Adds a version with the given content hash and parent and makes it current (or makes an identical
    /// existing version current: same id). The flag is true when a version was added.
    pub fn commit(
        &mut self,
        hash: String,
        rows: usize,
        parent: Option<String>,
        t: Transform<'_>,
    ) -> (DatasetVersion, bool) {
        let meta = VersionMeta {
            parent,
            transform: t.name.to_string(),
            params: t.params.clone(),
        };
        let id = version_id(&hash, &meta);
        if let Some(v) = self.get(&id) {
            let v = v.clone();
            self.current = Some(id);
            return (v, false);
        }
        let before = self.current_version();
        let schema = t
            .schema
            .or_else(|| {
                meta.parent
                    .as_deref()
                    .and_then(|p| self.get(p))
                    .map(|p| p.schema.clone())
            })
            .unwrap_or_else(record_schema);
        let (drift, drift_from) = match before {
            Some(b) => (validate::drift(&b.schema, &schema), Some(b.id.clone())),
            None => (Vec::new(), None),
        };
        let v = DatasetVersion {
            id: id.clone(),
            parent: meta.parent,
            transform: meta.transform,
            params: meta.params,
            created: t.created.to_string(),
            content_hash: hash,
            rows,
            quarantined: t.quarantined,
            tokenizer: t.tokenizer,
            note: t.note.to_string(),
            schema,
            drift,
            drift_from,
        };
        self.versions.push(v.clone());
        self.current = Some(id);
        (v, true)
    }

    /// The current version, if any.
    pub fn current_version(&self) -> Option<&DatasetVersion> {
        self.current.as_deref().and_then(|c| self.get(c))
    }

    /// The schema contract pinned on `id`'s lineage — by the nearest version (itself or an ancestor) whose
    /// parameters carry one — and that version's id.
    pub fn contract_of(&self, id: &str) -> Option<(String, super::contract::Contract)> {
        self.lineage(id).into_iter().rev().find_map(|v| {
            v.params
                .get("contract")
                .and_then(|c| serde_json::from_value(c.clone()).ok())
                .map(|c| (v.id.clone(), c))
        })
    }

    /// Versions made from `id`.
    pub fn children(&self, id: &str) -> Vec<&DatasetVersion> {
        self.versions
            .iter()
            .filter(|v| v.parent.as_deref() == Some(id))
            .collect()
    }

    /// Deletes a version that is neither current nor the parent of another (so no lineage breaks), and
    /// its audit.
    pub fn remove(&mut self, id: &str) -> Result<(), String> {
        if self.get(id).is_none() {
            return Err(format!("There is no version {id}."));
        }
        if self.current.as_deref() == Some(id) {
            return Err(format!(
                "{id} is the current version: make another version current first."
            ));
        }
        if !self.children(id).is_empty() {
            return Err(format!(
                "{id} has later versions made from it; delete those first so no lineage breaks."
            ));
        }
        self.check_unreleased(id)?;
        self.versions.retain(|v| v.id != id);
        self.audits.remove(id);
        self.waivers.remove(id);
        self.marked.remove(id);
        self.checks.retain(|c| c.version != id);
        Ok(())
    }

    /// The release of `id`, if it was released.
    pub fn release_of(&self, id: &str) -> Option<&Release> {
        self.releases.iter().find(|r| r.version == id)
    }

    /// An error naming the release if `id` was released (its record can no longer change).
    fn check_unreleased(&self, id: &str) -> Result<(), String> {
        match self.release_of(id) {
            Some(r) => Err(format!(
                "{id} was released as v{} on {}: a released version can never be deleted or changed.",
                r.tag, r.at
            )),
            None => Ok(()),
        }
    }

    /// Records a check that ran on a version.
    pub fn record_check(&mut self, check: Check) {
        self.checks.push(check);
        let extra = self.checks.len().saturating_sub(MAX_CHECKS);
        self.checks.drain(..extra);
    }

    /// The latest check of `kind` on `id`.
    pub fn last_check(&self, id: &str, kind: &str) -> Option<&Check> {
        self.checks
            .iter()
            .rev()
            .find(|c| c.version == id && c.kind == kind)
    }

    /// Waives release gate `n` for version `id` with a written `reason`.
    pub fn waive(&mut self, id: &str, n: u8, reason: &str, at: &str) -> Result<(), String> {
        if self.get(id).is_none() {
            return Err(format!("There is no version {id}."));
        }
        self.check_unreleased(id)?;
        if let Some(p) = waiver_problem(reason) {
            return Err(p);
        }
        self.waivers.entry(id.into()).or_default().insert(
            n,
            Waiver {
                reason: reason.trim().into(),
                at: at.into(),
            },
        );
        Ok(())
    }

    /// Withdraws a waiver (before a release only).
    pub fn unwaive(&mut self, id: &str, n: u8) -> Result<(), String> {
        self.check_unreleased(id)?;
        if let Some(w) = self.waivers.get_mut(id) {
            w.remove(&n);
            if w.is_empty() {
                self.waivers.remove(id);
            }
        }
        Ok(())
    }

    /// Marks (or unmarks) row `row` of `id` as a teaching-ready example.
    pub fn mark(&mut self, id: &str, row: usize, on: bool) -> Result<(), String> {
        let v = self
            .get(id)
            .ok_or_else(|| format!("There is no version {id}."))?;
        if row >= v.rows {
            return Err(format!("{id} has {} rows; there is no row #{row}.", v.rows));
        }
        self.check_unreleased(id)?;
        let set = self.marked.entry(id.into()).or_default();
        if on {
            set.insert(row);
        } else {
            set.remove(&row);
        }
        if set.is_empty() {
            self.marked.remove(id);
        }
        Ok(())
    }

    /// Records a release (the caller has checked the gates): refused for a version released already or a
    /// tag in use.
    pub fn release(&mut self, release: Release) -> Result<(), String> {
        if self.get(&release.version).is_none() {
            return Err(format!("There is no version {}.", release.version));
        }
        self.check_unreleased(&release.version)?;
        if let Some(r) = self.releases.iter().find(|r| r.tag == release.tag) {
            return Err(format!(
                "v{} is already the tag of {}; a tag names one release.",
                r.tag, r.version
            ));
        }
        self.releases.push(release);
        Ok(())
    }

    pub fn get(&self, id: &str) -> Option<&DatasetVersion> {
        self.versions.iter().find(|v| v.id == id)
    }

    /// Makes an earlier version current again; nothing is deleted.
    pub fn rollback(&mut self, id: &str) -> Result<(), String> {
        if self.get(id).is_none() {
            return Err(format!("There is no version {id} in this workspace."));
        }
        self.current = Some(id.to_string());
        Ok(())
    }

    /// The chain from the first ancestor down to `id`.
    pub fn lineage(&self, id: &str) -> Vec<&DatasetVersion> {
        let mut chain = Vec::new();
        let mut next = Some(id.to_string());
        while let Some(i) = next {
            let Some(v) = self.get(&i) else { break };
            if chain.iter().any(|c: &&DatasetVersion| c.id == v.id) {
                break; // a cycle can only come from a hand-edited file; stop rather than loop
            }
            chain.push(v);
            next = v.parent.clone();
        }
        chain.reverse();
        chain
    }

    /// Adds the versions of `other` that this workspace does not have (ids are content addresses, so a
    /// version with the same id is the same version), takes audits it has no audit for, and makes
    /// `other`'s current version current. Nothing here is removed or changed. Returns the ids added.
    pub fn merge(&mut self, other: &Workspace) -> Vec<String> {
        let mut added = Vec::new();
        for v in &other.versions {
            if self.get(&v.id).is_none() {
                self.versions.push(v.clone());
                added.push(v.id.clone());
            }
        }
        for (id, a) in &other.audits {
            self.audits.entry(id.clone()).or_insert_with(|| a.clone());
        }
        for c in &other.checks {
            if !self.checks.contains(c) {
                self.checks.push(c.clone());
            }
        }
        for (id, w) in &other.waivers {
            self.waivers.entry(id.clone()).or_insert_with(|| w.clone());
        }
        for (id, m) in &other.marked {
            self.marked.entry(id.clone()).or_insert_with(|| m.clone());
        }
        for r in &other.releases {
            let taken = self
                .releases
                .iter()
                .any(|x| x.version == r.version || x.tag == r.tag);
            if !taken {
                self.releases.push(r.clone());
            }
        }
        if other.current.is_some() {
            self.current = other.current.clone();
        }
        added
    }

    /// Starts (or restarts) a sample audit of `size` rows of version `id`, drawn with `seed`.
    pub fn start_audit(&mut self, id: &str, size: usize, seed: u64) -> Result<&Audit, String> {
        let rows = self
            .get(id)
            .ok_or_else(|| format!("There is no version {id}."))?
            .rows;
        let audit = Audit {
            seed,
            rows: sample_indices(rows, size, seed),
            verdicts: BTreeMap::new(),
        };
        self.audits.insert(id.to_string(), audit);
        Ok(&self.audits[id])
    }
}

/// `k` distinct row indices out of `n`, reproducibly from `seed` (splitmix64 + partial Fisher–Yates),
/// ascending. All rows when `k >= n`.
pub fn sample_indices(n: usize, k: usize, seed: u64) -> Vec<usize> {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let k = k.min(n);
    // Sparse Fisher–Yates: only touched positions are stored, so a small sample of a huge version is cheap.
    let mut swapped: BTreeMap<usize, usize> = BTreeMap::new();
    let mut out = Vec::with_capacity(k);
    for i in 0..k {
        let j = i + (next() % (n - i) as u64) as usize;
        let vi = *swapped.get(&i).unwrap_or(&i);
        let vj = *swapped.get(&j).unwrap_or(&j);
        swapped.insert(j, vi);
        out.push(vj);
    }
    out.sort_unstable();
    out
}

const MANIFEST: &str = "workspace.json";

fn data_name(id: &str) -> String {
    format!("versions/{id}.jsonl")
}

/// The rows of one version as JSONL, provenance included (one compact object a line).
pub fn rows_jsonl(rows: &[Record]) -> String {
    let mut out = String::new();
    for r in rows {
        out.push_str(&serde_json::to_string(r).expect("a record serialises"));
        out.push('\n');
    }
    out
}

fn quarantine_name(id: &str) -> String {
    format!("quarantine/{id}.jsonl")
}

/// Everything a workspace zip holds.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkspaceFiles {
    pub workspace: Workspace,
    /// Each version's rows.
    pub rows: BTreeMap<String, Vec<Record>>,
    /// Each version's quarantined rows, in stored form (see [`validate::quarantine_to_store`]); versions
    /// with none are absent.
    pub quarantine: BTreeMap<String, String>,
}

/// Writes the whole workspace as one zip: `workspace.json`, then per version (creation order)
/// `versions/<id>.jsonl` and, when it has quarantined rows, `quarantine/<id>.jsonl`. `rows_of` and
/// `quarantine_of` give each version's data. Deterministic: the same workspace gives the same bytes.
pub fn export_zip<R: AsRef<[Record]>>(
    ws: &Workspace,
    rows_of: impl Fn(&str) -> Option<R>,
    quarantine_of: impl Fn(&str) -> Option<String>,
) -> Result<Vec<u8>, String> {
    let mut entries = vec![Entry {
        name: MANIFEST.into(),
        data: serde_json::to_vec_pretty(ws).map_err(|e| e.to_string())?,
    }];
    for v in &ws.versions {
        let rows =
            rows_of(&v.id).ok_or_else(|| format!("The rows of version {} are missing.", v.id))?;
        entries.push(Entry {
            name: data_name(&v.id),
            data: rows_jsonl(rows.as_ref()).into_bytes(),
        });
        if let Some(q) = quarantine_of(&v.id).filter(|q| !q.is_empty()) {
            entries.push(Entry {
                name: quarantine_name(&v.id),
                data: q.into_bytes(),
            });
        }
    }
    write_zip(&entries).map_err(|e| e.0)
}

/// Reads a workspace zip, checking every version's rows against its recorded content hash and id.
pub fn import_zip(bytes: &[u8]) -> Result<WorkspaceFiles, String> {
    let entries = read_zip(bytes).map_err(|e| e.0)?;
    let find = |name: &str| entries.iter().find(|e| e.name == name);
    let manifest = find(MANIFEST)
        .ok_or("This zip has no workspace.json: it is not a datalab workspace export.")?;
    let ws: Workspace = serde_json::from_slice(&manifest.data)
        .map_err(|e| format!("workspace.json is unreadable (line {}: {e}).", e.line()))?;
    let mut rows_by_id = BTreeMap::new();
    let mut quarantine = BTreeMap::new();
    for v in &ws.versions {
        let name = data_name(&v.id);
        let entry = find(&name).ok_or_else(|| format!("{name} is missing from the zip."))?;
        let text =
            std::str::from_utf8(&entry.data).map_err(|_| format!("{name} is not UTF-8 text."))?;
        let rows = rows_from_jsonl(text).map_err(|e| format!("{name}, {e}"))?;
        let hash = content_hash(rows.iter().map(fields));
        let meta = VersionMeta {
            parent: v.parent.clone(),
            transform: v.transform.clone(),
            params: v.params.clone(),
        };
        if hash != v.content_hash || version_id(&hash, &meta) != v.id {
            return Err(format!(
                "Version {} does not match its rows (edited or damaged); the workspace was not imported.",
                v.id
            ));
        }
        rows_by_id.insert(v.id.clone(), rows);
        let qname = quarantine_name(&v.id);
        if let Some(q) = find(&qname) {
            let text = String::from_utf8(q.data.clone())
                .map_err(|_| format!("{qname} is not UTF-8 text."))?;
            quarantine_from_store(&text).map_err(|e| format!("{qname}: {e}"))?;
            quarantine.insert(v.id.clone(), text);
        }
    }
    if let Some(c) = &ws.current {
        if ws.get(c).is_none() {
            return Err(format!(
                "workspace.json names {c} as current, but there is no such version."
            ));
        }
    }
    Ok(WorkspaceFiles {
        workspace: ws,
        rows: rows_by_id,
        quarantine,
    })
}

/// Reads rows written by [`rows_jsonl`]; errors name the 1-based line.
pub fn rows_from_jsonl(text: &str) -> Result<Vec<Record>, String> {
    text.lines()
        .enumerate()
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}", i + 1)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::record::Provenance;
    use super::*;

    fn rec(i: &str, o: &str, line: usize) -> Record {
        Record {
            instruction: i.into(),
            input: String::new(),
            output: o.into(),
            provenance: Provenance {
                source: "data.json".into(),
                line: Some(line),
                note: None,
            },
        }
    }

    fn t(name: &str) -> Transform<'_> {
        Transform {
            name,
            params: serde_json::json!({"k": 1}),
            created: "2026-11-24T00:00:00Z",
            quarantined: 0,
            tokenizer: None,
            note: "",
            schema: None,
        }
    }

    #[test]
    fn the_nearest_contract_on_the_lineage_counts() {
        use super::super::contract::Contract;
        let mut ws = Workspace::default();
        let a = vec![rec("a", "1", 1), rec("b", "2", 2)];
        let v1 = ws.add(&a, t("import"));
        assert!(ws.contract_of(&v1.id).is_none());
        let mut strict = Contract::record();
        let pin = |c: &Contract| Transform {
            params: serde_json::json!({ "contract": c }),
            ..t("contract")
        };
        let v2 = ws.add(&a, pin(&strict));
        let v3 = ws.add(&a[..1], t("filter"));
        assert_eq!(
            ws.contract_of(&v3.id),
            Some((v2.id.clone(), strict.clone()))
        );
        strict.closed = false;
        let v4 = ws.add(&a[..1], pin(&strict));
        let v5 = ws.add(&a[..1], t("edit"));
        assert_eq!(ws.contract_of(&v5.id), Some((v4.id, strict)));
        assert!(
            ws.contract_of(&v1.id).is_none(),
            "a contract binds what comes after it"
        );
    }

    #[test]
    fn versions_lineage_and_rollback() {
        let mut ws = Workspace::default();
        let a = vec![rec("a", "1", 1), rec("b", "2", 2)];
        let v1 = ws.add(&a, t("import"));
        let v2 = ws.add(&a[..1], t("filter"));
        assert_eq!(v2.parent.as_deref(), Some(v1.id.as_str()));
        assert_eq!(
            ws.lineage(&v2.id)
                .iter()
                .map(|v| v.id.as_str())
                .collect::<Vec<_>>(),
            [v1.id.as_str(), v2.id.as_str()]
        );
        ws.rollback(&v1.id).unwrap();
        assert_eq!(ws.current.as_deref(), Some(v1.id.as_str()));
        assert_eq!(ws.versions.len(), 2, "rollback deletes nothing");
        assert!(ws.rollback("ds-nope").is_err());
        // The same transform of the same data from the same parent is the same version.
        let again = ws.add(&a[..1], t("filter"));
        assert_eq!(again.id, v2.id);
        assert_eq!(ws.versions.len(), 2);
    }

    #[test]
    fn zip_round_trip_is_byte_identical_and_checked() {
        let mut ws = Workspace::default();
        let a = vec![rec("a \"quoted\"", "1\n2", 1), rec("ü", "", 2)];
        let b = vec![rec("a \"quoted\"", "1\n2", 1)];
        let v1 = ws.add(&a, t("import"));
        let v2 = ws.add(&b, t("filter"));
        ws.start_audit(&v1.id, 1, 7).unwrap();
        let rows = |id: &str| {
            if id == v1.id {
                Some(a.clone())
            } else if id == v2.id {
                Some(b.clone())
            } else {
                None
            }
        };
        let q = |id: &str| {
            (id == v1.id).then(|| "{\"source\":\"d.json\",\"row\":{\"line\":3,\"index\":2,\"value\":{\"NotObject\":5}}}\n".to_string())
        };
        let zip = export_zip(&ws, rows, q).unwrap();
        let files = import_zip(&zip).unwrap();
        assert_eq!(files.workspace, ws);
        assert_eq!(files.quarantine.len(), 1);
        let again = export_zip(
            &files.workspace,
            |id| files.rows.get(id).cloned(),
            |id| files.quarantine.get(id).cloned(),
        )
        .unwrap();
        assert_eq!(again, zip, "export → import → export is byte-identical");
        // A tampered row is caught.
        let mut entries = read_zip(&zip).unwrap();
        let e = entries
            .iter_mut()
            .find(|e| e.name.ends_with(".jsonl"))
            .unwrap();
        e.data = String::from_utf8(e.data.clone())
            .unwrap()
            .replace("quoted", "QUOTED")
            .into_bytes();
        let bad = write_zip(&entries).unwrap();
        assert!(import_zip(&bad).unwrap_err().contains("does not match"));
        assert!(import_zip(b"not a zip").is_err());
    }

    #[test]
    fn imports_are_roots_and_known_content_keeps_its_id() {
        let mut ws = Workspace::default();
        let a = [rec("a", "1", 1), rec("b", "2", 2)];
        let hash = content_hash(a.iter().map(fields));
        let mut imp = t("import");
        imp.schema = Some(vec![("output".into(), vec!["number".into()])]);
        let (v1, added) = ws.import_version(hash.clone(), 2, imp);
        assert!(added);
        assert_eq!(v1.parent, None);
        let v2 = ws.add(&a[..1], t("filter"));
        assert_eq!(
            v2.schema, v1.schema,
            "a transform keeps its parent's schema"
        );
        assert!(v2.drift.is_empty());
        // Importing the first version's content again (e.g. its export) finds it.
        let (again, added) = ws.import_version(hash, 2, t("import"));
        assert!(!added);
        assert_eq!(again.id, v1.id);
        assert_eq!(ws.current.as_deref(), Some(v1.id.as_str()));
        // A different file with a different shape reports drift against the current version.
        let b = [rec("c", "3", 1)];
        let (v3, _) = ws.import_version(content_hash(b.iter().map(fields)), 1, t("import"));
        assert_eq!(v3.drift_from.as_deref(), Some(v1.id.as_str()));
        assert_eq!(v3.drift.len(), 3, "{:?}", v3.drift);
        // Removal keeps lineage whole.
        assert!(ws.remove(&v3.id).unwrap_err().contains("current"));
        assert!(ws.remove(&v1.id).unwrap_err().contains("later versions"));
        ws.remove(&v2.id).unwrap();
        assert_eq!(ws.versions.len(), 2);
    }

    #[test]
    fn merging_adds_only_what_is_new() {
        let mut a = Workspace::default();
        let v1 = a.add(&[rec("a", "1", 1)], t("import"));
        let mut b = a.clone();
        let v2 = b.add(&[rec("b", "2", 1)], t("edit"));
        b.start_audit(&v2.id, 1, 3).unwrap();
        let mut c = a.clone();
        c.start_audit(&v1.id, 1, 9).unwrap();
        assert_eq!(c.merge(&b), vec![v2.id.clone()]);
        assert_eq!(c.current.as_deref(), Some(v2.id.as_str()));
        assert_eq!(c.audits[&v1.id].seed, 9, "an audit here is kept");
        assert_eq!(c.audits[&v2.id].seed, 3);
        let before = c.clone();
        assert!(c.merge(&b).is_empty(), "merging again adds nothing");
        assert_eq!(c, before);
    }

    #[test]
    fn samples_are_reproducible_distinct_and_bounded() {
        let s = sample_indices(50_000, 20, 123);
        assert_eq!(s, sample_indices(50_000, 20, 123));
        assert_ne!(s, sample_indices(50_000, 20, 124));
        let mut d = s.clone();
        d.dedup();
        assert_eq!(d.len(), 20);
        assert!(s.iter().all(|&i| i < 50_000));
        assert_eq!(sample_indices(3, 10, 1), [0, 1, 2]);
        assert!(sample_indices(0, 5, 1).is_empty());
    }

    #[test]
    fn audit_score() {
        let mut ws = Workspace::default();
        let v = ws.add(&[rec("a", "1", 1), rec("b", "2", 2)], t("import"));
        ws.start_audit(&v.id, 2, 1).unwrap();
        let audit = ws.audits.get_mut(&v.id).unwrap();
        audit.verdicts.insert(0, (Verdict::Good, String::new()));
        audit.verdicts.insert(1, (Verdict::Bad, "truncated".into()));
        assert_eq!(audit.score(), (0.5, 2));
    }
}
