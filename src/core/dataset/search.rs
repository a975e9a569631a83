//! Search and filter over a version's rows for the preview table. Case-insensitive for ASCII letters
//! (what students type), exact for everything else; the table scans rows in slices, so the matcher works
//! one row at a time and reuses a buffer instead of allocating per row.

use serde::{Deserialize, Serialize};

use super::record::Record;

/// Which text a search looks in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    #[default]
    All,
    Instruction,
    Input,
    Output,
    /// The provenance: source file, line, note.
    Provenance,
}

impl Scope {
    pub const ALL: [Scope; 5] = [
        Scope::All,
        Scope::Instruction,
        Scope::Input,
        Scope::Output,
        Scope::Provenance,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Scope::All => "all",
            Scope::Instruction => "instruction",
            Scope::Input => "input",
            Scope::Output => "output",
            Scope::Provenance => "provenance",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Scope::All => "all text fields",
            Scope::Instruction => "instruction",
            Scope::Input => "input",
            Scope::Output => "output",
            Scope::Provenance => "provenance",
        }
    }

    pub fn from_id(id: &str) -> Scope {
        Scope::ALL
            .into_iter()
            .find(|s| s.id() == id)
            .unwrap_or_default()
    }
}

/// A structural filter applied together with the text search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowFilter {
    #[default]
    Any,
    /// Rows with an empty `input` (the generation notebook's rows all are).
    EmptyInput,
    /// Rows with some `input`.
    WithInput,
    /// Rows fixed or edited by hand (their provenance has a note).
    Edited,
}

impl RowFilter {
    pub const ALL: [RowFilter; 4] = [
        RowFilter::Any,
        RowFilter::EmptyInput,
        RowFilter::WithInput,
        RowFilter::Edited,
    ];

    pub fn id(self) -> &'static str {
        match self {
            RowFilter::Any => "any",
            RowFilter::EmptyInput => "empty_input",
            RowFilter::WithInput => "with_input",
            RowFilter::Edited => "edited",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RowFilter::Any => "all rows",
            RowFilter::EmptyInput => "rows without input",
            RowFilter::WithInput => "rows with input",
            RowFilter::Edited => "rows fixed or edited by hand",
        }
    }

    pub fn from_id(id: &str) -> RowFilter {
        RowFilter::ALL
            .into_iter()
            .find(|f| f.id() == id)
            .unwrap_or_default()
    }
}

/// A search: text (may be empty), where to look, and a filter.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Search {
    pub text: String,
    pub scope: Scope,
    pub filter: RowFilter,
}

impl Search {
    /// True when every row matches (nothing to search for).
    pub fn is_everything(&self) -> bool {
        self.text.is_empty() && self.filter == RowFilter::Any
    }

    /// A matcher that can test many rows.
    pub fn matcher(&self) -> Matcher {
        Matcher {
            needle: self.text.to_ascii_lowercase(),
            scope: self.scope,
            filter: self.filter,
            buf: String::new(),
        }
    }

    /// One line describing the search, for a version's parameters and the UI.
    pub fn describe(&self) -> String {
        let mut s = self.filter.label().to_owned();
        if !self.text.is_empty() {
            s.push_str(&format!(
                " containing \"{}\" in {}",
                self.text,
                self.scope.label()
            ));
        }
        s
    }
}

/// Tests rows against a [`Search`].
pub struct Matcher {
    needle: String,
    scope: Scope,
    filter: RowFilter,
    buf: String,
}

impl Matcher {
    pub fn matches(&mut self, r: &Record) -> bool {
        let pass = match self.filter {
            RowFilter::Any => true,
            RowFilter::EmptyInput => r.input.trim().is_empty(),
            RowFilter::WithInput => !r.input.trim().is_empty(),
            RowFilter::Edited => r.provenance.note.is_some(),
        };
        if !pass {
            return false;
        }
        if self.needle.is_empty() {
            return true;
        }
        let line;
        let fields: &[&str] = match self.scope {
            Scope::All => &[&r.instruction, &r.input, &r.output],
            Scope::Instruction => &[&r.instruction],
            Scope::Input => &[&r.input],
            Scope::Output => &[&r.output],
            Scope::Provenance => {
                line = format!(
                    "{}:{} {}",
                    r.provenance.source,
                    r.provenance.line.map(|l| l.to_string()).unwrap_or_default(),
                    r.provenance.note.as_deref().unwrap_or("")
                );
                &[line.as_str()]
            }
        };
        fields.iter().any(|f| {
            self.buf.clear();
            self.buf.push_str(f);
            self.buf.make_ascii_lowercase();
            self.buf.contains(self.needle.as_str())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::record::Provenance;
    use super::*;

    fn rec(i: &str, input: &str, o: &str, note: Option<&str>) -> Record {
        Record {
            instruction: i.into(),
            input: input.into(),
            output: o.into(),
            provenance: Provenance {
                source: "data.json".into(),
                line: Some(7),
                note: note.map(str::to_owned),
            },
        }
    }

    #[test]
    fn search_scopes_and_filters() {
        let rows = [
            rec("Explain Tokens", "", "BPE merges bytes", None),
            rec("Name a colour", "sky", "Blue", Some("fixed by hand")),
        ];
        let count = |s: Search| {
            let mut m = s.matcher();
            rows.iter().filter(|r| m.matches(r)).count()
        };
        let s = |text: &str, scope, filter| Search {
            text: text.into(),
            scope,
            filter,
        };
        assert_eq!(
            count(s("tokens", Scope::All, RowFilter::Any)),
            1,
            "ASCII case-insensitive"
        );
        assert_eq!(count(s("blue", Scope::Instruction, RowFilter::Any)), 0);
        assert_eq!(count(s("blue", Scope::Output, RowFilter::Any)), 1);
        assert_eq!(
            count(s("data.json:7", Scope::Provenance, RowFilter::Any)),
            2
        );
        assert_eq!(count(s("", Scope::All, RowFilter::EmptyInput)), 1);
        assert_eq!(count(s("", Scope::All, RowFilter::WithInput)), 1);
        assert_eq!(count(s("", Scope::All, RowFilter::Edited)), 1);
        assert!(s("", Scope::All, RowFilter::Any).is_everything());
        assert_eq!(
            s("x", Scope::Output, RowFilter::EmptyInput).describe(),
            "rows without input containing \"x\" in output"
        );
        assert_eq!(Scope::from_id("output"), Scope::Output);
        assert_eq!(RowFilter::from_id("nope"), RowFilter::Any);
    }
}
