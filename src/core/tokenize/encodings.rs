//! The encodings the lab offers, and what each needs: rank file, split pattern, special tokens.

use super::pretokenize::SplitPattern;
use super::Rank;

/// Everything needed to build one tiktoken encoding once its rank file has arrived.
#[derive(Debug)]
pub struct EncodingSpec {
    /// tiktoken's name, also used in URLs and test ids (`gpt2` is r50k_base under its model name).
    pub name: &'static str,
    /// What a student sees.
    pub label: &'static str,
    /// Models that use it, for context.
    pub models: &'static str,
    /// The rank file, relative to the page (`ranks/…`), copied from the tiktoken-rs crate at build time.
    pub file: &'static str,
    /// Number of ordinary tokens the rank file must hold.
    pub n_ranks: usize,
    pub pattern: SplitPattern,
    pub specials: &'static [(&'static str, Rank)],
}

/// The encodings in the workbench, in the order they are shown.
pub static ENCODINGS: &[EncodingSpec] = &[
    EncodingSpec {
        name: "gpt2",
        label: "GPT-2 (r50k_base)",
        models: "GPT-2, GPT-3",
        file: "ranks/r50k_base.tiktoken",
        n_ranks: 50_256,
        pattern: SplitPattern::Gpt2,
        specials: &[("<|endoftext|>", 50_256)],
    },
    EncodingSpec {
        name: "cl100k_base",
        label: "cl100k_base",
        models: "GPT-3.5, GPT-4",
        file: "ranks/cl100k_base.tiktoken",
        n_ranks: 100_256,
        pattern: SplitPattern::Cl100k,
        specials: &[
            ("<|endoftext|>", 100_257),
            ("<|fim_prefix|>", 100_258),
            ("<|fim_middle|>", 100_259),
            ("<|fim_suffix|>", 100_260),
            ("<|endofprompt|>", 100_276),
        ],
    },
    EncodingSpec {
        name: "o200k_base",
        label: "o200k_base",
        models: "GPT-4o, o1, GPT-4.1",
        file: "ranks/o200k_base.tiktoken",
        n_ranks: 199_998,
        pattern: SplitPattern::O200k,
        specials: &[("<|endoftext|>", 199_999), ("<|endofprompt|>", 200_018)],
    },
];

impl EncodingSpec {
    /// Looks an encoding up by name; `r50k_base` is accepted for `gpt2`.
    pub fn by_name(name: &str) -> Option<&'static EncodingSpec> {
        let name = if name == "r50k_base" { "gpt2" } else { name };
        ENCODINGS.iter().find(|e| e.name == name)
    }

    /// Builds the encoder from the bytes of its rank file.
    pub fn build(&self, rank_file: &[u8]) -> Result<super::Encoder, String> {
        let ranks =
            super::ranks::parse_tiktoken(rank_file, self.n_ranks).map_err(|e| e.to_string())?;
        let specials = self
            .specials
            .iter()
            .map(|(s, r)| (s.to_string(), *r))
            .collect();
        super::Encoder::new(self.pattern, ranks, specials).map_err(|e| e.to_string())
    }
}
