//! Constrained decoding for `format: <JSON schema>` — the rubric's judge: the answer is one flat object
//! with the schema's properties in the order the parsed schema keeps them (serde_json sorts keys), each value of its type (integers within their
//! bounds, strings, booleans, enums), so a small in-page model's scores always parse and are in range,
//! as Ollama's grammar-constrained answers are. Schemas outside this subset (nested objects, arrays,
//! numbers) fall back to `json_guard`'s "one JSON object" and the lab lists what is missing, as for any
//! server that ignores a schema.
//!
//! The layout is fixed — `{"a": 1, "b": "…"}` — so the model spends no tokens on white space, and the state
//! is `Copy`: checking every token of the vocabulary against it allocates nothing.

use serde_json::Value;

/// Longest string value (a judge's one-sentence reason fits easily).
const MAX_STRING: u16 = 600;
/// Most values an enum may have (the state keeps one bit per value).
const MAX_ENUM: usize = 64;

/// What one property holds.
#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Integer {
        min: i64,
        max: i64,
    },
    String,
    Boolean,
    /// The values, JSON-encoded (strings with their quotes, numbers as written).
    Enum(Vec<Vec<u8>>),
}

/// A schema compiled for decoding: the exact text before each value, and each value's kind.
#[derive(Clone, Debug, PartialEq)]
pub struct Schema {
    /// `{"first": `, then `, "second": ` …
    before: Vec<Vec<u8>>,
    kinds: Vec<Kind>,
}

const CLOSE: &[u8] = b"}";

fn kind_of(name: &str, p: &Value) -> Result<Kind, String> {
    if let Some(values) = p.get("enum").and_then(Value::as_array) {
        if values.is_empty() || values.len() > MAX_ENUM {
            return Err(format!(
                "property '{name}': an enum needs 1 to {MAX_ENUM} values"
            ));
        }
        let encoded: Vec<Vec<u8>> = values
            .iter()
            .map(|v| match v {
                Value::String(_) | Value::Bool(_) | Value::Number(_) | Value::Null => {
                    Ok(v.to_string().into_bytes())
                }
                _ => Err(format!(
                    "property '{name}': enum values must be plain values"
                )),
            })
            .collect::<Result<_, _>>()?;
        return Ok(Kind::Enum(encoded));
    }
    match p.get("type").and_then(Value::as_str) {
        Some("integer") => {
            let bound = |k: &str, d: i64| p.get(k).and_then(Value::as_i64).unwrap_or(d);
            let (min, max) = (
                bound("minimum", -999_999_999),
                bound("maximum", 999_999_999),
            );
            if min > max {
                return Err(format!("property '{name}': minimum {min} > maximum {max}"));
            }
            Ok(Kind::Integer { min, max })
        }
        Some("string") => Ok(Kind::String),
        Some("boolean") => Ok(Kind::Boolean),
        other => Err(format!(
            "property '{name}' has type {} (the in-page model constrains integer, string, boolean and enum properties)",
            other.unwrap_or("(none)")
        )),
    }
}

impl Schema {
    /// Compiles a flat object schema, or says what is outside the subset.
    pub fn from_json(schema: &Value) -> Result<Schema, String> {
        if schema.get("type").and_then(Value::as_str) != Some("object") {
            return Err("the schema's top level is not an object".into());
        }
        let props = schema
            .get("properties")
            .and_then(Value::as_object)
            .filter(|p| !p.is_empty())
            .ok_or("the schema has no properties")?;
        let mut before = Vec::new();
        let mut kinds = Vec::new();
        for (i, (name, p)) in props.iter().enumerate() {
            let key = Value::String(name.clone()).to_string();
            before.push(format!("{}{key}: ", if i == 0 { "{" } else { ", " }).into_bytes());
            kinds.push(kind_of(name, p)?);
        }
        Ok(Schema { before, kinds })
    }

    /// The literal text that comes before value `field` (or, at the end, the closing brace).
    fn literal(&self, field: usize) -> &[u8] {
        self.before.get(field).map_or(CLOSE, Vec::as_slice)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Val {
    Start,
    Int {
        neg: bool,
        digits: u8,
        v: i64,
    },
    /// Inside a string: characters so far, the escape being read (0 none, 1 after `\\`, 2–5 the hex digits
    /// of `\\u`, 6–7 the `\\` and `u` a low surrogate must follow with), the UTF-8 continuation bytes still
    /// due (`Utf8`), and the `\\u` value being read. Found by fuzzing: the guard let a model write invalid
    /// UTF-8 or a lone surrogate inside a string, and the "complete" answer then did not parse.
    Str {
        len: u16,
        esc: u8,
        utf8: Utf8,
        hex: u16,
        /// A high surrogate was read: a `\\u` low surrogate must come next.
        high: bool,
    },
    /// Inside `true`/`false` (0/1), at byte `at`.
    Bool {
        which: u8,
        at: u8,
    },
    /// Inside an enum value: the values still possible, and how far.
    Enum {
        alive: u64,
        at: u16,
    },
    /// The value is complete; the next literal follows.
    Complete,
}

/// Where an answer stands against a [`Schema`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SchemaGuard {
    field: u16,
    /// In the literal before `field` (at this byte), or in its value.
    lit: Option<u16>,
    val: Val,
    done: bool,
}

impl Default for SchemaGuard {
    fn default() -> Self {
        SchemaGuard {
            field: 0,
            lit: Some(0),
            val: Val::Start,
            done: false,
        }
    }
}

/// UTF-8 continuation bytes still due inside a string, and the range the next one must be in (the
/// first continuation byte of E0, ED, F0 and F4 is narrower: no overlong forms, no surrogates, nothing past
/// U+10FFFF), as `std::str::from_utf8` and every JSON parser require.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Utf8 {
    due: u8,
    lo: u8,
    hi: u8,
}

impl Default for Utf8 {
    fn default() -> Self {
        Utf8::next(0)
    }
}

impl Utf8 {
    fn next(due: u8) -> Self {
        Utf8 {
            due,
            lo: 0x80,
            hi: 0xBF,
        }
    }

    /// The state after a character's lead byte; `None` if `b` cannot start one.
    fn lead(b: u8) -> Option<Self> {
        let (due, lo, hi) = match b {
            0xC2..=0xDF => (1, 0x80, 0xBF),
            0xE0 => (2, 0xA0, 0xBF),
            0xE1..=0xEC | 0xEE..=0xEF => (2, 0x80, 0xBF),
            0xED => (2, 0x80, 0x9F),
            0xF0 => (3, 0x90, 0xBF),
            0xF1..=0xF3 => (3, 0x80, 0xBF),
            0xF4 => (3, 0x80, 0x8F),
            _ => return None,
        };
        Some(Utf8 { due, lo, hi })
    }
}

/// Whether an integer that starts with `v` (`digits` digits, sign `neg`) can still end within the bounds.
fn int_possible(neg: bool, v: i64, digits: u8, min: i64, max: i64) -> bool {
    if digits == 0 {
        return if neg { min < 0 } else { max >= 0 };
    }
    if v == 0 {
        // "0" or "-0" cannot take more digits.
        return min <= 0 && max >= 0;
    }
    let mut lo = v;
    let mut hi = v;
    for _ in 0..(19 - digits.min(18)) {
        let (a, b) = if neg { (-hi, -lo) } else { (lo, hi) };
        if a <= max && b >= min {
            return true;
        }
        lo = match lo.checked_mul(10) {
            Some(x) => x,
            None => return false,
        };
        hi = match hi.checked_mul(10).and_then(|x| x.checked_add(9)) {
            Some(x) => x,
            None => return false,
        };
    }
    false
}

impl SchemaGuard {
    /// Whether the answer is complete (the model may stop now, and must).
    pub fn done(&self) -> bool {
        self.done
    }

    /// The state after `bytes`, or `None` if they cannot continue an answer of `schema`.
    pub fn after(mut self, schema: &Schema, bytes: &[u8]) -> Option<SchemaGuard> {
        for &b in bytes {
            self = self.step(schema, b)?;
        }
        Some(self)
    }

    /// Moves to the literal after the current value, consuming its first byte `b`.
    fn next_literal(mut self, schema: &Schema, b: u8) -> Option<SchemaGuard> {
        self.field += 1;
        self.lit = Some(0);
        self.val = Val::Start;
        self.step(schema, b)
    }

    fn step(mut self, schema: &Schema, b: u8) -> Option<SchemaGuard> {
        if self.done {
            return None;
        }
        let f = self.field as usize;
        if let Some(at) = self.lit {
            let lit = schema.literal(f);
            if lit.get(at as usize) != Some(&b) {
                return None;
            }
            if at as usize + 1 == lit.len() {
                if f == schema.kinds.len() {
                    self.done = true;
                } else {
                    self.lit = None;
                }
            } else {
                self.lit = Some(at + 1);
            }
            return Some(self);
        }
        let kind = &schema.kinds[f];
        self.val = match (self.val, kind) {
            (Val::Complete, _) => return self.next_literal(schema, b),
            (Val::Start, Kind::Integer { min, max }) => match b {
                b'-' if *min < 0 => Val::Int {
                    neg: true,
                    digits: 0,
                    v: 0,
                },
                b'0'..=b'9' if int_possible(false, (b - b'0') as i64, 1, *min, *max) => Val::Int {
                    neg: false,
                    digits: 1,
                    v: (b - b'0') as i64,
                },
                _ => return None,
            },
            (Val::Int { neg, digits, v }, Kind::Integer { min, max }) => match b {
                b'0'..=b'9' => {
                    if digits > 0 && v == 0 {
                        return None;
                    }
                    let v = v.checked_mul(10)?.checked_add((b - b'0') as i64)?;
                    if !int_possible(neg, v, digits + 1, *min, *max) {
                        return None;
                    }
                    Val::Int {
                        neg,
                        digits: digits + 1,
                        v,
                    }
                }
                _ => {
                    let value = if neg { -v } else { v };
                    if digits == 0 || value < *min || value > *max {
                        return None;
                    }
                    return self.next_literal(schema, b);
                }
            },
            (Val::Start, Kind::String) if b == b'"' => Val::Str {
                len: 0,
                esc: 0,
                utf8: Utf8::default(),
                hex: 0,
                high: false,
            },
            (
                Val::Str {
                    len,
                    esc,
                    utf8,
                    hex,
                    high,
                },
                Kind::String,
            ) => {
                let str_ = |len, esc, utf8, hex, high| Val::Str {
                    len,
                    esc,
                    utf8,
                    hex,
                    high,
                };
                match esc {
                    // Inside a multi-byte character: only its continuation bytes.
                    0 if utf8.due > 0 => {
                        if !(utf8.lo..=utf8.hi).contains(&b) {
                            return None;
                        }
                        let due = utf8.due - 1;
                        let len = if due == 0 { len + 1 } else { len };
                        str_(len, 0, Utf8::next(due), 0, false)
                    }
                    // After a high surrogate only `\\u` may come.
                    0 if high => match b {
                        b'\\' => str_(len, 6, utf8, 0, true),
                        _ => return None,
                    },
                    0 => match b {
                        b'"' => Val::Complete,
                        b'\\' => str_(len, 1, utf8, 0, false),
                        0..=0x1f => return None,
                        _ if len >= MAX_STRING => return None,
                        0x20..=0x7f => str_(len + 1, 0, utf8, 0, false),
                        _ => str_(len, 0, Utf8::lead(b)?, 0, false),
                    },
                    1 => match b {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {
                            str_(len + 1, 0, utf8, 0, false)
                        }
                        b'u' => str_(len, 2, utf8, 0, false),
                        _ => return None,
                    },
                    6 if b == b'u' => str_(len, 2, utf8, 0, true),
                    // 2..=5: the four hex digits of \\u.
                    2..=5 => {
                        let d = (b as char).to_digit(16)? as u16;
                        let v = hex << 4 | d;
                        // Surrogates are checked as the digits come, so decoding never reaches a state no
                        // token can leave: after a high surrogate only `\\uDC..`–`\\uDF..`, and never a low
                        // one alone.
                        let low_prefix = (0xDC..=0xDF).contains(&v);
                        if (esc == 2 && high && d != 0xD) || (esc == 3 && high != low_prefix) {
                            return None;
                        }
                        if esc < 5 {
                            return Some(SchemaGuard {
                                val: str_(len, esc + 1, utf8, v, high),
                                ..self
                            });
                        }
                        match (high, v) {
                            (false, 0xD800..=0xDBFF) => str_(len, 0, utf8, 0, true),
                            (false, 0xDC00..=0xDFFF) | (true, 0..=0xDBFF) | (true, 0xE000..) => {
                                return None
                            }
                            _ => str_(len + 1, 0, utf8, 0, false),
                        }
                    }
                    _ => return None,
                }
            }
            (Val::Start, Kind::Boolean) => match b {
                b't' => Val::Bool { which: 0, at: 1 },
                b'f' => Val::Bool { which: 1, at: 1 },
                _ => return None,
            },
            (Val::Bool { which, at }, Kind::Boolean) => {
                let word: &[u8] = if which == 0 { b"true" } else { b"false" };
                if word.get(at as usize) != Some(&b) {
                    return None;
                }
                if at as usize + 1 == word.len() {
                    Val::Complete
                } else {
                    Val::Bool { which, at: at + 1 }
                }
            }
            (Val::Start, Kind::Enum(values)) => Self::enum_step(values, u64::MAX, 0, b)?,
            (Val::Enum { alive, at }, Kind::Enum(values)) => {
                // A value that is complete here (a number not followed by more digits) ends it.
                let complete = values
                    .iter()
                    .enumerate()
                    .any(|(i, v)| alive & (1 << i) != 0 && v.len() == at as usize);
                match Self::enum_step(values, alive, at, b) {
                    Some(v) => v,
                    None if complete => return self.next_literal(schema, b),
                    None => return None,
                }
            }
            _ => return None,
        };
        Some(self)
    }

    /// The enum state after byte `b` at position `at`, with `alive` the values still possible.
    fn enum_step(values: &[Vec<u8>], alive: u64, at: u16, b: u8) -> Option<Val> {
        let mut next = 0u64;
        for (i, v) in values.iter().enumerate() {
            if alive & (1 << i) != 0 && v.get(at as usize) == Some(&b) {
                next |= 1 << i;
            }
        }
        if next == 0 {
            return None;
        }
        let at = at + 1;
        // A quoted value is complete at its closing quote; no other value can go on from there.
        let whole = values
            .iter()
            .enumerate()
            .filter(|(i, _)| next & (1 << i) != 0)
            .all(|(_, v)| v.len() == at as usize);
        Some(if whole && b == b'"' {
            Val::Complete
        } else {
            Val::Enum { alive: next, at }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rubric() -> Schema {
        Schema::from_json(&json!({
            "type": "object",
            "properties": {
                "clarity": {"type": "integer", "minimum": 1, "maximum": 5},
                "reason": {"type": "string"},
            },
            "required": ["clarity", "reason"],
        }))
        .unwrap()
    }

    fn accepts(s: &Schema, text: &str) -> bool {
        SchemaGuard::default()
            .after(s, text.as_bytes())
            .is_some_and(|g| g.done())
    }

    fn prefix_ok(s: &Schema, text: &str) -> bool {
        SchemaGuard::default().after(s, text.as_bytes()).is_some()
    }

    #[test]
    fn the_rubric_answer_is_one_layout_with_scores_in_range() {
        let s = rubric();
        assert!(accepts(
            &s,
            r#"{"clarity": 4, "reason": "Too short \"here\" \u00e9."}"#
        ));
        for bad in [
            r#"{"clarity": 6, "reason": "x"}"#,
            r#"{"clarity": 0, "reason": "x"}"#,
            r#"{"clarity": 04, "reason": "x"}"#,
            r#"{"clarity": "4", "reason": "x"}"#,
            r#"{"reason": "x", "clarity": 4}"#,
            r#"{ "clarity": 4, "reason": "x"}"#,
            r#"{"clarity": 4, "reason": "x"} "#,
            "{\"clarity\": 4, \"reason\": \"a\nb\"}",
        ] {
            assert!(!accepts(&s, bad), "{bad}");
        }
        assert!(prefix_ok(&s, r#"{"cla"#));
        assert!(!prefix_ok(&s, r#"{"x"#));
        assert!(
            !prefix_ok(&s, r#"{"clarity": 7"#),
            "7 can never be in 1..=5"
        );
        // Whatever passes also parses as JSON with every key.
        let v: Value = serde_json::from_str(r#"{"clarity": 4, "reason": "ok"}"#).unwrap();
        assert_eq!(v["clarity"], 4);
    }

    #[test]
    fn strings_are_valid_utf8_and_surrogates_come_in_pairs() {
        // Found by fuzzing: invalid UTF-8 and lone surrogates passed the guard, and the answer did not parse.
        let s =
            Schema::from_json(&json!({"type": "object", "properties": {"s": {"type": "string"}}}))
                .unwrap();
        let bytes = |b: &[u8]| {
            SchemaGuard::default()
                .after(&s, b)
                .is_some_and(|g| g.done())
        };
        for ok in [
            "{\"s\": \"é and 😀 and ƒ\"}",
            "{\"s\": \"\\ud83d\\ude00 and \\u00e9\"}",
        ] {
            assert!(accepts(&s, ok), "{ok}");
            serde_json::from_str::<Value>(ok).unwrap();
        }
        for bad in [
            &b"{\"s\": \"\xff\"}"[..],
            b"{\"s\": \"\xc3\"}",
            b"{\"s\": \"\xe0\x80\xaf\"}",
            b"{\"s\": \"\xed\xa0\x80\"}",
            b"{\"s\": \"\xf4\x90\x80\x80\"}",
            b"{\"s\": \"\\ud800\"}",
            b"{\"s\": \"\\udc00\"}",
            b"{\"s\": \"\\ud800\\u0041\"}",
        ] {
            assert!(!bytes(bad), "{}", String::from_utf8_lossy(bad));
            assert!(serde_json::from_slice::<Value>(bad).is_err());
        }
        // A dead end is refused at its first digit, never at its last: decoding can always go on.
        for (prefix, ok) in [
            ("{\"s\": \"\\ud83d\\u1", false),
            ("{\"s\": \"\\ud83d\\ud8", false),
            ("{\"s\": \"\\ud83d\\udd", true),
            ("{\"s\": \"\\udd", false),
            ("{\"s\": \"\\ud8", true),
        ] {
            let g = SchemaGuard::default().after(&s, prefix.as_bytes());
            assert_eq!(g.is_some(), ok, "{prefix}");
        }
    }

    #[test]
    fn integers_follow_their_bounds_digit_by_digit() {
        let s = Schema::from_json(&json!({"type": "object", "properties": {"n": {"type": "integer", "minimum": -20, "maximum": 150}}})).unwrap();
        for ok in ["-20", "-3", "0", "9", "15", "150", "99"] {
            assert!(accepts(&s, &format!("{{\"n\": {ok}}}")), "{ok}");
        }
        for bad in ["-21", "151", "200", "-", "1500", "00"] {
            assert!(!accepts(&s, &format!("{{\"n\": {bad}}}")), "{bad}");
        }
        assert!(prefix_ok(&s, "{\"n\": 2"), "2 and 20..29 are in range");
        assert!(!prefix_ok(&s, "{\"n\": 200"), "200 and more are not");
        assert!(!prefix_ok(&s, "{\"n\": -30"), "-30 and below are not");
        assert!(accepts(&s, "{\"n\": -3}"));
    }

    #[test]
    fn booleans_and_enums() {
        let s = Schema::from_json(&json!({"type": "object", "properties": {
            "ok": {"type": "boolean"},
            "label": {"enum": ["good", "goodish", "bad"]},
            "n": {"enum": [1, 12]},
        }}))
        .unwrap();
        // Keys come in the order the parsed schema keeps them: serde_json's maps sort them.
        assert!(accepts(&s, r#"{"label": "goodish", "n": 12, "ok": true}"#));
        assert!(accepts(&s, r#"{"label": "good", "n": 1, "ok": false}"#));
        assert!(!accepts(&s, r#"{"label": "good", "n": 1, "ok": yes}"#));
        assert!(!accepts(&s, r#"{"label": "goo", "n": 1, "ok": true}"#));
        assert!(!accepts(&s, r#"{"label": "ugly", "n": 1, "ok": true}"#));
        assert!(!accepts(&s, r#"{"label": "bad", "n": 2, "ok": true}"#));
        assert!(!accepts(&s, r#"{"ok": true, "label": "good", "n": 1}"#));
    }

    #[test]
    fn schemas_outside_the_subset_are_named() {
        let e =
            Schema::from_json(&json!({"type": "object", "properties": {"x": {"type": "array"}}}))
                .unwrap_err();
        assert!(e.contains("'x'") && e.contains("array"), "{e}");
        assert!(Schema::from_json(&json!({"type": "array"})).is_err());
        assert!(Schema::from_json(&json!({"type": "object", "properties": {}})).is_err());
        let e = Schema::from_json(&json!({"type": "object", "properties": {"n": {"type": "integer", "minimum": 5, "maximum": 1}}})).unwrap_err();
        assert!(e.contains("minimum 5 > maximum 1"), "{e}");
    }

    #[test]
    fn the_judges_own_schema_is_in_the_subset() {
        let rubric = crate::core::llm::judge::Rubric::default();
        let s = Schema::from_json(&crate::core::llm::judge::schema(&rubric)).unwrap();
        assert_eq!(s.kinds.len(), rubric.criteria.len() + 1);
    }
}
