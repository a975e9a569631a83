//! Constrained decoding for `format: "json"`: a byte-level JSON recogniser that says, before a token is
//! sampled, whether its bytes can continue a valid JSON object — so the in-page model's answer always
//! parses, as Ollama's grammar-constrained answers do. The rubric relies on it: a judge that answers in
//! prose cannot be scored.
//!
//! The state is `Copy` (the open brackets are a bit stack), so checking all of a vocabulary's tokens
//! against it costs no allocation. The top level is one object (as Ollama's JSON grammar); white space
//! runs are limited, so a model cannot stall in blank space.

/// Deepest nesting accepted (the bit stack's size).
const MAX_DEPTH: u8 = 64;
/// Longest run of white space between tokens of JSON.
const MAX_WS: u8 = 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// Before the top-level object.
    Top,
    /// A value.
    Value,
    /// After `{`: a key or `}`.
    KeyOrClose,
    /// After `,` in an object: a key.
    Key,
    /// After a key: `:`.
    Colon,
    /// After a value in a container: `,` or its closing bracket.
    CommaOrClose,
    /// After `[`: a value or `]`.
    ValueOrClose,
    /// Inside a string; `key` when it is an object key.
    Str {
        key: bool,
        esc: Esc,
    },
    Num(Num),
    /// Inside `true`, `false` or `null`: which literal and how far.
    Lit {
        which: u8,
        at: u8,
    },
    /// The top-level object is complete.
    Done,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Esc {
    No,
    Backslash,
    /// Hex digits of `\u` still to come.
    Hex(u8),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Num {
    Minus,
    Zero,
    Int,
    Dot,
    Frac,
    E,
    ESign,
    Exp,
}

const LITERALS: [&[u8]; 3] = [b"true", b"false", b"null"];

/// Where a JSON answer stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonGuard {
    expect: Expect,
    /// Bit i: the container at depth i is an object (1) or an array (0).
    stack: u64,
    depth: u8,
    ws: u8,
}

impl Default for JsonGuard {
    fn default() -> Self {
        JsonGuard {
            expect: Expect::Top,
            stack: 0,
            depth: 0,
            ws: 0,
        }
    }
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\t' | b'\r')
}

impl JsonGuard {
    /// Whether the answer is a complete JSON object (the model may stop now, and must).
    pub fn done(&self) -> bool {
        self.expect == Expect::Done
    }

    /// The state after `bytes`, or `None` if they cannot continue valid JSON.
    pub fn after(mut self, bytes: &[u8]) -> Option<JsonGuard> {
        for &b in bytes {
            self = self.step(b)?;
        }
        Some(self)
    }

    fn push(mut self, object: bool) -> Option<JsonGuard> {
        if self.depth >= MAX_DEPTH {
            return None;
        }
        if object {
            self.stack |= 1 << self.depth;
        } else {
            self.stack &= !(1 << self.depth);
        }
        self.depth += 1;
        self.expect = if object {
            Expect::KeyOrClose
        } else {
            Expect::ValueOrClose
        };
        Some(self)
    }

    fn in_object(&self) -> bool {
        self.depth > 0 && self.stack & (1 << (self.depth - 1)) != 0
    }

    /// After a complete value: the next thing its container expects.
    fn value_done(mut self) -> JsonGuard {
        self.expect = if self.depth == 0 {
            Expect::Done
        } else {
            Expect::CommaOrClose
        };
        self
    }

    fn close(mut self, b: u8) -> Option<JsonGuard> {
        let want = if self.in_object() { b'}' } else { b']' };
        if b != want || self.depth == 0 {
            return None;
        }
        self.depth -= 1;
        Some(self.value_done())
    }

    fn start_value(mut self, b: u8) -> Option<JsonGuard> {
        self.expect = match b {
            b'{' => return self.push(true),
            b'[' => return self.push(false),
            b'"' => Expect::Str {
                key: false,
                esc: Esc::No,
            },
            b'-' => Expect::Num(Num::Minus),
            b'0' => Expect::Num(Num::Zero),
            b'1'..=b'9' => Expect::Num(Num::Int),
            b't' => Expect::Lit { which: 0, at: 1 },
            b'f' => Expect::Lit { which: 1, at: 1 },
            b'n' => Expect::Lit { which: 2, at: 1 },
            _ => return None,
        };
        Some(self)
    }

    fn step(mut self, b: u8) -> Option<JsonGuard> {
        let structural = !matches!(
            self.expect,
            Expect::Str { .. } | Expect::Num(_) | Expect::Lit { .. }
        );
        if structural && is_ws(b) {
            if self.expect == Expect::Done || self.ws >= MAX_WS {
                return None;
            }
            self.ws += 1;
            return Some(self);
        }
        self.ws = 0;
        match self.expect {
            Expect::Top => {
                if b == b'{' {
                    self.push(true)
                } else {
                    None
                }
            }
            Expect::Value => self.start_value(b),
            Expect::ValueOrClose => {
                if b == b']' {
                    self.close(b)
                } else {
                    self.start_value(b)
                }
            }
            Expect::KeyOrClose | Expect::Key => match b {
                b'"' => {
                    self.expect = Expect::Str {
                        key: true,
                        esc: Esc::No,
                    };
                    Some(self)
                }
                b'}' if self.expect == Expect::KeyOrClose => self.close(b),
                _ => None,
            },
            Expect::Colon => {
                if b == b':' {
                    self.expect = Expect::Value;
                    Some(self)
                } else {
                    None
                }
            }
            Expect::CommaOrClose => match b {
                b',' => {
                    self.expect = if self.in_object() {
                        Expect::Key
                    } else {
                        Expect::Value
                    };
                    Some(self)
                }
                b'}' | b']' => self.close(b),
                _ => None,
            },
            Expect::Str { key, esc } => {
                self.expect = match esc {
                    Esc::No => match b {
                        b'"' => {
                            if key {
                                self.expect = Expect::Colon;
                                return Some(self);
                            }
                            return Some(self.value_done());
                        }
                        b'\\' => Expect::Str {
                            key,
                            esc: Esc::Backslash,
                        },
                        0..=0x1F => return None,
                        _ => Expect::Str { key, esc: Esc::No },
                    },
                    Esc::Backslash => match b {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {
                            Expect::Str { key, esc: Esc::No }
                        }
                        b'u' => Expect::Str {
                            key,
                            esc: Esc::Hex(4),
                        },
                        _ => return None,
                    },
                    Esc::Hex(n) => {
                        if !b.is_ascii_hexdigit() {
                            return None;
                        }
                        Expect::Str {
                            key,
                            esc: if n == 1 { Esc::No } else { Esc::Hex(n - 1) },
                        }
                    }
                };
                Some(self)
            }
            Expect::Num(n) => {
                let next = match (n, b) {
                    (Num::Minus, b'0') => Some(Num::Zero),
                    (Num::Minus, b'1'..=b'9') => Some(Num::Int),
                    (Num::Int, b'0'..=b'9') => Some(Num::Int),
                    (Num::Zero | Num::Int, b'.') => Some(Num::Dot),
                    (Num::Zero | Num::Int | Num::Frac, b'e' | b'E') => Some(Num::E),
                    (Num::Dot | Num::Frac, b'0'..=b'9') => Some(Num::Frac),
                    (Num::E, b'+' | b'-') => Some(Num::ESign),
                    (Num::E | Num::ESign | Num::Exp, b'0'..=b'9') => Some(Num::Exp),
                    _ => None,
                };
                match next {
                    Some(n) => {
                        self.expect = Expect::Num(n);
                        Some(self)
                    }
                    // The number ends here if it is complete; the byte then belongs to what follows.
                    None if matches!(n, Num::Zero | Num::Int | Num::Frac | Num::Exp) => {
                        self.value_done().step(b)
                    }
                    None => None,
                }
            }
            Expect::Lit { which, at } => {
                let lit = LITERALS[which as usize];
                if lit[at as usize] != b {
                    return None;
                }
                if at as usize + 1 == lit.len() {
                    Some(self.value_done())
                } else {
                    self.expect = Expect::Lit { which, at: at + 1 };
                    Some(self)
                }
            }
            Expect::Done => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Option<JsonGuard> {
        JsonGuard::default().after(s.as_bytes())
    }

    #[test]
    fn valid_objects_are_accepted_and_complete() {
        for s in [
            r#"{}"#,
            r#"{"a": 1}"#,
            r#" {"a": [1, -2.5e+3, 0, true, false, null, "x\"\u00e9"], "b": {"c": {}}}"#,
            "{\"k\":\n  \"é 日本\"}",
        ] {
            let g = parse(s).unwrap_or_else(|| panic!("{s}"));
            assert!(g.done(), "{s}");
            assert!(serde_json::from_str::<serde_json::Value>(s).is_ok());
        }
    }

    #[test]
    fn prefixes_are_open_and_invalid_bytes_rejected() {
        let g = parse(r#"{"score": 4"#).unwrap();
        assert!(!g.done());
        assert!(g.after(b"}").unwrap().done());
        for bad in [
            r#"x"#,
            r#"{"a" 1}"#,
            r#"{"a": 01}"#,
            r#"{"a": tru "#,
            r#"{,}"#,
            r#"{"a": 1,}"#,
            "{\"a\": \"\n\"}",
            r#"[1]"#,
            r#"{} {}"#,
            r#"{"a": 1]"#,
        ] {
            assert!(parse(bad).is_none(), "{bad}");
        }
        // White space is limited, so a model cannot fill its budget with blanks.
        assert!(parse(&format!("{{{}", " ".repeat(21))).is_none());
    }

    #[test]
    fn every_prefix_of_valid_json_is_accepted() {
        let s = r#"{"clarity": 4, "notes": ["short", "ok"], "x": {"y": -0.5E-2}}"#;
        let mut g = JsonGuard::default();
        for (i, b) in s.bytes().enumerate() {
            g = g.step(b).unwrap_or_else(|| panic!("byte {i} of {s}"));
        }
        assert!(g.done());
    }
}
