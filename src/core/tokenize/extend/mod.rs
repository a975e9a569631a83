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
