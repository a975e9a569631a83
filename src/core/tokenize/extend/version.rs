//! Versions of an extended tokenizer (slides 9 and 23: "keep tokenizer versioning explicit").
//!
//! A version's id is a hash of everything that decides its ids — base encoding and rank file, mode, the
//! ordered terms and the new tokens with their ranks — so two students with the same id have the same
//! tokenizer, and any count or dataset made with it can name it. A version exports as a manifest (JSON),
//! a `.tiktoken` rank file plus its special tokens, and a Python snippet that rebuilds the same
//! `tiktoken.Encoding` and asserts the ids of a sample.

use base64::{engine::general_purpose::STANDARD, Engine as _};
use serde::{Deserialize, Serialize};

use super::merges::{self, MergePlan, MergeRefusal};
use super::Mode;
use crate::core::tokenize::bpe::VocabError;
use crate::core::tokenize::ranks::sha256_hex;
use crate::core::tokenize::{Encoder, Rank};

/// A new ordinary token (reachable-merges mode).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRank {
    /// The token's bytes, base64 as in `.tiktoken` files.
    pub bytes: String,
    /// The same bytes as text, for people (lossy for partial characters).
    pub text: String,
    pub rank: Rank,
}

/// One extended tokenizer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenizerVersion {
    /// `tok-` and the first 16 hex digits of the SHA-256 of the identity fields.
    pub id: String,
    /// Base encoding name, e.g. `gpt2`.
    pub base: String,
    /// SHA-256 of the base rank file.
    pub base_ranks_sha256: String,
    pub mode: Mode,
    /// The terms, in order.
    pub terms: Vec<String>,
    /// New ordinary tokens (reachable merges), in rank order.
    pub ranks: Vec<NewRank>,
    /// Added tokens (added-tokens mode): text and id.
    pub added: Vec<(String, Rank)>,
    /// Size of the id space after the extension.
    pub n_vocab: usize,
    /// The version this one was made after, if any.
    pub parent: Option<String>,
    /// When it was made (ISO 8601), and a note: the changelog entry.
    pub created: String,
    pub note: String,
}

/// The result of building a version: the version, and per term its merge plan or why it was refused.
pub struct Built {
    pub version: TokenizerVersion,
    pub plans: Vec<Option<Result<MergePlan, MergeRefusal>>>,
}

/// The fields the id is computed from, in a fixed order.
#[derive(Serialize)]
struct Identity<'a> {
    base: &'a str,
    base_ranks_sha256: &'a str,
    mode: Mode,
    terms: &'a [String],
    ranks: &'a [NewRank],
    added: &'a [(String, Rank)],
}

fn compute_id(v: &TokenizerVersion) -> String {
    let identity = Identity {
        base: &v.base,
        base_ranks_sha256: &v.base_ranks_sha256,
        mode: v.mode,
        terms: &v.terms,
        ranks: &v.ranks,
        added: &v.added,
    };
    let json = serde_json::to_string(&identity).expect("identity serialises");
    format!("tok-{}", &sha256_hex(json.as_bytes())[..16])
}

/// Builds a version of `base` extended by `terms` in `mode`. Terms that cannot be added in reachable-merges
/// mode are left out (their refusal is in `plans`); empty terms are ignored.
#[allow(clippy::too_many_arguments)]
pub fn build(
    base_name: &str,
    base_ranks_sha256: &str,
    base: &Encoder,
    mode: Mode,
    terms: &[String],
    parent: Option<String>,
    created: &str,
    note: &str,
) -> Built {
    let terms: Vec<String> = terms.iter().filter(|t| !t.is_empty()).cloned().collect();
    let first = base.n_vocab() as Rank;
    let (ranks, added, plans) = match mode {
        Mode::ReachableMerges => {
            let (ranks, plans) = merges::plan_all(base, &terms, first);
            let ranks = ranks
                .into_iter()
                .map(|(b, rank)| NewRank {
                    bytes: STANDARD.encode(&b),
                    text: String::from_utf8_lossy(&b).into_owned(),
                    rank,
                })
                .collect();
            (ranks, vec![], plans.into_iter().map(Some).collect())
        }
        Mode::AddedTokens => {
            let added: Vec<(String, Rank)> = terms
                .iter()
                .enumerate()
                .map(|(i, t)| (t.clone(), first + i as Rank))
                .collect();
            (vec![], added, vec![None; terms.len()])
        }
    };
    let n_vocab = base.n_vocab() + ranks.len() + added.len();
    let mut version = TokenizerVersion {
        id: String::new(),
        base: base_name.to_string(),
        base_ranks_sha256: base_ranks_sha256.to_string(),
        mode,
        terms,
        ranks,
        added,
        n_vocab,
        parent,
        created: created.to_string(),
        note: note.to_string(),
    };
    version.id = compute_id(&version);
    Built { version, plans }
}

impl TokenizerVersion {
    /// The new ordinary tokens as bytes and ranks.
    pub fn new_ranks(&self) -> Vec<(Vec<u8>, Rank)> {
        self.ranks
            .iter()
            .map(|r| (STANDARD.decode(&r.bytes).unwrap_or_default(), r.rank))
            .collect()
    }

    /// The extended encoder.
    pub fn encoder(&self, base: &Encoder) -> Result<Encoder, VocabError> {
        base.extended(&self.new_ranks(), &self.added)
    }

    /// Number of new ids.
    pub fn added_count(&self) -> usize {
        self.ranks.len() + self.added.len()
    }

    /// One changelog line.
    pub fn changelog_line(&self) -> String {
        let what = match self.mode {
            Mode::AddedTokens => format!("{} added tokens", self.added.len()),
            Mode::ReachableMerges => format!(
                "{} terms as {} new merges",
                self.terms.len(),
                self.ranks.len()
            ),
        };
        let note = if self.note.is_empty() {
            String::new()
        } else {
            format!(" — {}", self.note)
        };
        format!(
            "{} · {} · {} + {what} → n_vocab {}{note}",
            self.created, self.id, self.base, self.n_vocab
        )
    }

    /// The manifest: this version as pretty JSON.
    pub fn manifest_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a version serialises")
    }

    /// Reads a manifest back, refusing one whose id does not match its content (edited or corrupted).
    pub fn from_manifest(json: &str) -> Result<TokenizerVersion, String> {
        let v: TokenizerVersion = serde_json::from_str(json).map_err(|e| {
            format!(
                "This is not a datalab tokenizer manifest (line {}, column {}: {e}). Export one with \"Export tokenizer\".",
                e.line(),
                e.column()
            )
        })?;
        let id = compute_id(&v);
        if id != v.id {
            return Err(format!(
                "The manifest says its id is {} but its content hashes to {id}: it was edited or damaged. \
                 Re-export it from the lab that made it.",
                v.id
            ));
        }
        for r in &v.ranks {
            STANDARD.decode(&r.bytes).map_err(|e| {
                format!("The new token {:?} has invalid base64 bytes ({e}).", r.text)
            })?;
        }
        Ok(v)
    }

    /// The `.tiktoken` rank file: the base file followed by one line per new ordinary token.
    pub fn tiktoken_file(&self, base_file: &[u8]) -> Vec<u8> {
        let mut out = base_file.to_vec();
        if !out.is_empty() && !out.ends_with(b"\n") {
            out.push(b'\n');
        }
        for r in &self.ranks {
            out.extend_from_slice(format!("{} {}\n", r.bytes, r.rank).as_bytes());
        }
        out
    }

    /// File name stem used for exports.
    pub fn file_stem(&self) -> String {
        format!("{}-{}", self.base, self.id)
    }

    /// The special tokens of the extended encoding (base specials plus added tokens), as JSON.
    pub fn special_tokens_json(&self, base: &Encoder) -> String {
        let mut map = serde_json::Map::new();
        for (s, id) in base.specials().iter().chain(&self.added) {
            map.insert(s.clone(), (*id).into());
        }
        serde_json::to_string_pretty(&map).expect("specials serialise")
    }

    /// Python that rebuilds this encoding with OpenAI's tiktoken from the exported files and checks the ids
    /// of `sample` (which the lab encoded as `expected`, special tokens allowed).
    pub fn python_snippet(&self, base: &Encoder, sample: &str, expected: &[Rank]) -> String {
        let stem = self.file_stem();
        let specials = self.special_tokens_json(base).replace('\n', "\n    ");
        format!(
            r#"# Rebuild datalab tokenizer version {id} ({mode}) with OpenAI's tiktoken.
# Needs the two files exported beside this snippet: {stem}.tiktoken and {stem}.manifest.json.
import tiktoken
from tiktoken.load import load_tiktoken_bpe

base = tiktoken.get_encoding("{base}")  # for its split pattern
enc = tiktoken.Encoding(
    name="{stem}",
    pat_str=base._pat_str,
    mergeable_ranks=load_tiktoken_bpe("{stem}.tiktoken"),
    special_tokens={specials},
)
assert enc.n_vocab == {n_vocab}, enc.n_vocab
sample = {sample}
assert enc.encode(sample, allowed_special="all") == {expected:?}
print("{stem}: ids match the lab's")
"#,
            id = self.id,
            mode = self.mode.label(),
            base = self.base,
            n_vocab = self.n_vocab,
            sample = serde_json::to_string(sample).expect("a string serialises"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Encoder {
        crate::core::tokenize::bpe::byte_level_for_tests(&[(" K", 256)], &[("<|endoftext|>", 257)])
    }

    fn terms(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn ids_depend_on_everything_that_changes_ids() {
        let e = toy();
        let a = build(
            "toy",
            "abc",
            &e,
            Mode::AddedTokens,
            &terms(&["Foo", "Bar"]),
            None,
            "t",
            "",
        );
        let same = build(
            "toy",
            "abc",
            &e,
            Mode::AddedTokens,
            &terms(&["Foo", "Bar"]),
            None,
            "later",
            "note",
        );
        let order = build(
            "toy",
            "abc",
            &e,
            Mode::AddedTokens,
            &terms(&["Bar", "Foo"]),
            None,
            "t",
            "",
        );
        let mode = build(
            "toy",
            "abc",
            &e,
            Mode::ReachableMerges,
            &terms(&["Foo", "Bar"]),
            None,
            "t",
            "",
        );
        let base = build(
            "toy",
            "abd",
            &e,
            Mode::AddedTokens,
            &terms(&["Foo", "Bar"]),
            None,
            "t",
            "",
        );
        assert_eq!(
            a.version.id, same.version.id,
            "time and note are not identity"
        );
        for other in [&order, &mode, &base] {
            assert_ne!(a.version.id, other.version.id);
        }
        assert!(a.version.id.starts_with("tok-") && a.version.id.len() == 20);
        assert_eq!(a.version.added, [("Foo".into(), 258), ("Bar".into(), 259)]);
        assert_eq!(a.version.n_vocab, 260);
    }

    #[test]
    fn manifest_round_trip_and_tamper_check() {
        let e = toy();
        let v = build(
            "toy",
            "abc",
            &e,
            Mode::ReachableMerges,
            &terms(&[" Kub"]),
            None,
            "t",
            "n",
        )
        .version;
        assert_eq!(
            v.ranks.len(),
            2,
            "\" K\" \"u\" \"b\" needs \" Ku\" then \" Kub\""
        );
        let json = v.manifest_json();
        assert_eq!(TokenizerVersion::from_manifest(&json).unwrap(), v);
        let tampered = json.replace("\" Kub\"", "\" Kib\"");
        assert!(TokenizerVersion::from_manifest(&tampered)
            .unwrap_err()
            .contains("edited"));
        assert!(TokenizerVersion::from_manifest("{")
            .unwrap_err()
            .contains("line 1"));
    }

    #[test]
    fn exports() {
        let e = toy();
        let v = build(
            "toy",
            "abc",
            &e,
            Mode::ReachableMerges,
            &terms(&[" Kub"]),
            None,
            "t",
            "",
        )
        .version;
        let file = v.tiktoken_file(b"IQ== 0");
        let want = format!(
            "IQ== 0\n{} 258\n{} 259\n",
            STANDARD.encode(" Ku"),
            STANDARD.encode(" Kub")
        );
        assert_eq!(String::from_utf8(file).unwrap(), want);
        let mut enc = v.encoder(&e).unwrap();
        let ids = enc.encode(" Kub<|endoftext|>", true);
        assert_eq!(ids, [259, 257]);
        let py = v.python_snippet(&e, " Kub<|endoftext|>", &ids);
        assert!(py.contains("assert enc.encode(sample, allowed_special=\"all\") == [259, 257]"));
        assert!(py.contains(&v.id));
        assert!(v.changelog_line().contains("1 terms as 2 new merges"));
    }
}
