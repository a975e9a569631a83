//! Canonical content and content-addressed ids for dataset versions.
//!
//! Dataset versions in the lab are immutable, and a version's id is a hash of what it *is*: its canonical
//! content, its parent, and the transform (name and parameters) that produced it. Two students who apply the
//! same transform with the same parameters to the same data get the same id, so ids can be compared,
//! shared in URLs and cached against.
//!
//! Everything here hashes text **byte for byte**:
//!
//! - No Unicode normalisation is applied (`"é"` precomposed and `"e\u{301}"` give different hashes). If the
//!   lab normalises text, that is a transform and must produce a new version, not something hashing hides.
//! - Line endings are kept as they are (`"\r\n"` ≠ `"\n"`). The importer normalises line endings *before*
//!   rows reach this module; we rely on that and do not repeat it, so that the hash is exactly of the bytes
//!   a user can see and export.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::core::tokenize::ranks::sha256_hex;

/// The JSON key of each of a row's three fields, in canonical order.
const FIELD_KEYS: [&str; 3] = ["instruction", "input", "output"];

/// Appends `s` as a JSON string literal, escaped exactly as `serde_json` escapes it.
///
/// serde_json's escaping is the reference: `"` and `\` are backslash-escaped, `\n \r \t \b \f` use their
/// short forms, other control characters are written `\u00XX`, and everything else (including non-ASCII
/// and `/`) is written as UTF-8 unchanged. A notebook reproduces it with
/// `json.dumps(row, ensure_ascii=False, separators=(",", ":"))`.
fn write_json_str(out: &mut Vec<u8>, s: &str) {
    serde_json::to_writer(out, s).expect("writing a JSON string into a Vec cannot fail");
}

/// Appends the canonical JSON of one row to `out` (shared by [`canonical_row`] and [`content_hash`], so the
/// streaming hash and the per-row text can never disagree).
fn write_canonical_row(out: &mut Vec<u8>, fields: [&str; 3]) {
    out.push(b'{');
    for (i, (key, value)) in FIELD_KEYS.iter().zip(fields).enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_json_str(out, key);
        out.push(b':');
        write_json_str(out, value);
    }
    out.push(b'}');
}

/// The canonical text of a row: `{"instruction":…,"input":…,"output":…}` — that key order, no whitespace,
/// serde_json's string escaping.
///
/// A single fixed spelling is what makes hashes reproducible: the same three strings always give the same
/// bytes, whatever format (JSON, JSONL, CSV) they were imported from. Text is taken byte for byte (no NFC,
/// CRLF kept; see the module documentation).
pub fn canonical_row(fields: [&str; 3]) -> String {
    let mut buf = Vec::with_capacity(fields.iter().map(|f| f.len()).sum::<usize>() + 40);
    write_canonical_row(&mut buf, fields);
    String::from_utf8(buf).expect("serde_json writes UTF-8")
}

/// A short id for one row: the first 16 hex digits (64 bits) of the SHA-256 of [`canonical_row`].
///
/// 64 bits is plenty to tell rows apart within a lab-sized dataset and short enough to show in a table;
/// use [`content_hash`] when a full-strength hash is needed.
pub fn row_hash(fields: [&str; 3]) -> String {
    let mut hex = sha256_hex(canonical_row(fields).as_bytes());
    hex.truncate(16);
    hex
}

/// The hash of a whole dataset's content: full hex SHA-256 of the canonical rows joined by `"\n"` (no
/// trailing newline), i.e. of the dataset written as canonical JSONL.
///
/// Row order matters — reordering rows is a change a version should record. The hash is computed
/// incrementally, one row at a time, so a 75 MB dataset never exists as one string in the browser. An
/// empty dataset hashes the empty string.
pub fn content_hash<'a>(rows: impl IntoIterator<Item = [&'a str; 3]>) -> String {
    let mut h = ContentHasher::default();
    for fields in rows {
        h.push(fields);
    }
    h.finish()
}

/// [`content_hash`] one row at a time, for work done in slices.
#[derive(Clone, Default)]
pub struct ContentHasher {
    hasher: Sha256,
    rows: usize,
    buf: Vec<u8>,
}

impl ContentHasher {
    pub fn push(&mut self, fields: [&str; 3]) {
        self.buf.clear();
        if self.rows > 0 {
            self.buf.push(b'\n');
        }
        write_canonical_row(&mut self.buf, fields);
        self.hasher.update(&self.buf);
        self.rows += 1;
    }

    /// Rows hashed so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The full hex SHA-256.
    pub fn finish(self) -> String {
        self.hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// How a version came to be: everything except its content that goes into its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionMeta {
    /// The id of the version this one was derived from; `None` for an import.
    pub parent: Option<String>,
    /// The name of the transform that produced this version (e.g. `"import"`, `"dedup"`).
    pub transform: String,
    /// The transform's parameters. Object key order is irrelevant to the id; see [`version_id`].
    pub params: Value,
}

/// The id of a dataset version: `"ds-"` + the first 16 hex digits of the SHA-256 of the canonical JSON
/// `{"content":…,"parent":…,"transform":…,"params":…}` (that key order, no whitespace, `parent` is `null`
/// for a root version).
///
/// Including parent and transform means two versions with identical content but different histories get
/// different ids — the lab shows lineage, and lineage is part of what a version is. `params` is written
/// with object keys sorted recursively (see [`canonical_json`]), so `{"a":1,"b":2}` and `{"b":2,"a":1}`
/// give the same id.
pub fn version_id(content_hash: &str, meta: &VersionMeta) -> String {
    let mut buf = Vec::with_capacity(content_hash.len() + meta.transform.len() + 128);
    buf.extend_from_slice(b"{\"content\":");
    write_json_str(&mut buf, content_hash);
    buf.extend_from_slice(b",\"parent\":");
    match &meta.parent {
        Some(parent) => write_json_str(&mut buf, parent),
        None => buf.extend_from_slice(b"null"),
    }
    buf.extend_from_slice(b",\"transform\":");
    write_json_str(&mut buf, &meta.transform);
    buf.extend_from_slice(b",\"params\":");
    write_canonical_json(&mut buf, &meta.params);
    buf.push(b'}');
    let hex = sha256_hex(&buf);
    format!("ds-{}", &hex[..16])
}

/// `value` as compact JSON with object keys sorted (by byte order, recursively), so that equal values
/// written in different key orders have one spelling.
///
/// Arrays keep their order (order is meaningful there). Strings are escaped as serde_json escapes them.
/// Numbers are written as serde_json writes them, so `1` and `1.0` stay different — they are different
/// JSON values, and a transform may well treat an integer and a float differently.
pub fn canonical_json(value: &Value) -> String {
    let mut buf = Vec::new();
    write_canonical_json(&mut buf, value);
    String::from_utf8(buf).expect("canonical JSON is UTF-8")
}

fn write_canonical_json(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Value::String(s) => write_json_str(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical_json(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json_str(out, key);
                out.push(b':');
                write_canonical_json(out, item);
            }
            out.push(b'}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_row_has_fixed_key_order_and_no_whitespace() {
        assert_eq!(
            canonical_row(["Add", "1 2", "3"]),
            r#"{"instruction":"Add","input":"1 2","output":"3"}"#
        );
        assert_eq!(
            canonical_row(["", "", ""]),
            r#"{"instruction":"","input":"","output":""}"#
        );
    }

    #[test]
    fn escaping_of_quotes_newlines_and_unicode_is_stable() {
        let row = canonical_row(["say \"hi\" \\ /", "a\nb\r\nc\td", "é😀\u{1}\u{7f}"]);
        assert_eq!(
            row,
            "{\"instruction\":\"say \\\"hi\\\" \\\\ /\",\"input\":\"a\\nb\\r\\nc\\td\",\
             \"output\":\"é😀\\u0001\u{7f}\"}"
        );
        // It is valid JSON that reads back to the same strings.
        let v: Value = serde_json::from_str(&row).unwrap();
        assert_eq!(v["instruction"], "say \"hi\" \\ /");
        assert_eq!(v["input"], "a\nb\r\nc\td");
        assert_eq!(v["output"], "é😀\u{1}\u{7f}");
    }

    #[test]
    fn text_is_hashed_byte_for_byte() {
        // No NFC: precomposed and decomposed é differ. CRLF is kept.
        assert_ne!(
            row_hash(["caf\u{e9}", "", ""]),
            row_hash(["cafe\u{301}", "", ""])
        );
        assert_ne!(row_hash(["a\r\nb", "", ""]), row_hash(["a\nb", "", ""]));
        // Fields are not interchangeable.
        assert_ne!(row_hash(["x", "", ""]), row_hash(["", "x", ""]));
    }

    #[test]
    fn row_hash_known_answer() {
        let fields = [
            "Translate to French.",
            "Hello, \"world\"!\n",
            "Bonjour, « monde » !",
        ];
        let canonical = canonical_row(fields);
        assert_eq!(
            canonical,
            "{\"instruction\":\"Translate to French.\",\"input\":\"Hello, \\\"world\\\"!\\n\",\
             \"output\":\"Bonjour, « monde » !\"}"
        );
        assert_eq!(row_hash(fields), "8a0be6eec5c8457e");
        assert_eq!(row_hash(fields).len(), 16);
        assert!(sha256_hex(canonical.as_bytes()).starts_with(&row_hash(fields)));
    }

    #[test]
    fn content_hash_is_sha256_of_canonical_jsonl() {
        let rows = [["a", "b", "c"], ["d", "", "f\ng"], ["a", "b", "c"]];
        let joined = rows.map(canonical_row).join("\n");
        assert_eq!(content_hash(rows), sha256_hex(joined.as_bytes()));
        assert_eq!(content_hash(rows).len(), 64);
        // Empty dataset: the hash of the empty string.
        assert_eq!(
            content_hash(std::iter::empty::<[&str; 3]>()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn content_hash_is_sensitive_to_row_order_and_boundaries() {
        let a = ["one", "", "1"];
        let b = ["two", "", "2"];
        assert_ne!(content_hash([a, b]), content_hash([b, a]));
        assert_ne!(content_hash([a]), content_hash([a, a]));
        assert_eq!(content_hash(vec![a, b]), content_hash([a, b]));
    }

    fn meta(parent: Option<&str>, transform: &str, params: Value) -> VersionMeta {
        VersionMeta {
            parent: parent.map(str::to_string),
            transform: transform.to_string(),
            params,
        }
    }

    #[test]
    fn canonical_json_sorts_keys_recursively() {
        let v = json!({"b": [{"z": 1, "y": null}, 2.5], "a": {"d": true, "c": "x\"y"}});
        assert_eq!(
            canonical_json(&v),
            r#"{"a":{"c":"x\"y","d":true},"b":[{"y":null,"z":1},2.5]}"#
        );
        assert_ne!(canonical_json(&json!(1)), canonical_json(&json!(1.0)));
        assert_ne!(
            canonical_json(&json!([1, 2])),
            canonical_json(&json!([2, 1]))
        );
    }

    #[test]
    fn version_id_ignores_param_key_order() {
        let h = content_hash([["a", "b", "c"]]);
        // Build the two maps by hand so the test holds even if serde_json keeps insertion order.
        let mut m1 = serde_json::Map::new();
        m1.insert("threshold".into(), json!(0.8));
        m1.insert(
            "fields".into(),
            json!({"output": true, "instruction": false}),
        );
        let mut inner = serde_json::Map::new();
        inner.insert("instruction".into(), json!(false));
        inner.insert("output".into(), json!(true));
        let mut m2 = serde_json::Map::new();
        m2.insert("fields".into(), Value::Object(inner));
        m2.insert("threshold".into(), json!(0.8));
        let id1 = version_id(
            &h,
            &meta(Some("ds-0123456789abcdef"), "dedup", Value::Object(m1)),
        );
        let id2 = version_id(
            &h,
            &meta(Some("ds-0123456789abcdef"), "dedup", Value::Object(m2)),
        );
        assert_eq!(id1, id2);
        assert!(id1.starts_with("ds-"));
        assert_eq!(id1.len(), 3 + 16);
        assert!(id1[3..].bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn version_id_depends_on_content_parent_transform_and_params() {
        let h1 = content_hash([["a", "b", "c"]]);
        let h2 = content_hash([["a", "b", "d"]]);
        let base = meta(None, "import", json!({"format": "jsonl"}));
        let id = version_id(&h1, &base);
        assert_eq!(id, version_id(&h1, &base.clone()));
        assert_ne!(id, version_id(&h2, &base));
        assert_ne!(
            id,
            version_id(
                &h1,
                &meta(
                    Some("ds-aaaaaaaaaaaaaaaa"),
                    "import",
                    json!({"format": "jsonl"})
                )
            )
        );
        // A null parent and an empty-string parent are different.
        assert_ne!(
            id,
            version_id(&h1, &meta(Some(""), "import", json!({"format": "jsonl"})))
        );
        assert_ne!(
            id,
            version_id(&h1, &meta(None, "dedup", json!({"format": "jsonl"})))
        );
        assert_ne!(
            id,
            version_id(&h1, &meta(None, "import", json!({"format": "csv"})))
        );
        assert_ne!(id, version_id(&h1, &meta(None, "import", json!(null))));
    }

    #[test]
    fn version_id_known_answer_matches_spelled_out_json() {
        let m = meta(Some("ds-1"), "filter", json!({"max": 3, "field": "output"}));
        let spelled = r#"{"content":"abc","parent":"ds-1","transform":"filter","params":{"field":"output","max":3}}"#;
        assert_eq!(
            version_id("abc", &m),
            format!("ds-{}", &sha256_hex(spelled.as_bytes())[..16])
        );
    }
}
