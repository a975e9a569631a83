//! Extending a tokenizer with domain terms (ADDON-B-LAB-03, slides 8–9, 16, 19): the two ways to add a
//! term, the safety checks before a version is made, the impact on a corpus, mining candidates from it,
//! what the change costs the model, and versioning.

pub mod checks;
pub mod corpus;
pub mod merges;
pub mod mining;
pub mod sizing;

/// The two ways to add a term to a tokenizer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Mode {
    /// The notebook's way: new ids from `n_vocab` up, matched in the text before BPE (like special tokens).
    AddedTokens,
    /// New ordinary BPE tokens, with the intermediate merges that make them reachable.
    ReachableMerges,
}

impl Mode {
    /// What the interface calls it.
    pub fn label(self) -> &'static str {
        match self {
            Mode::AddedTokens => "Added tokens",
            Mode::ReachableMerges => "Reachable merges",
        }
    }
}
pub mod impact;
pub mod version;

/// The terms in a "one per line" box: line endings removed, completely empty lines dropped (so a trailing
/// newline is harmless), everything else kept exactly — a leading space is part of a term (" Kubernetes"),
/// and a line of spaces is kept so the checks can point at it.
pub fn parse_terms(raw: &str) -> Vec<String> {
    raw.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn terms_keep_leading_spaces() {
        assert_eq!(
            super::parse_terms(" Kubernetes\r\n\nfoo\n   \n"),
            [" Kubernetes", "foo", "   "]
        );
        assert!(super::parse_terms("").is_empty());
    }
}
