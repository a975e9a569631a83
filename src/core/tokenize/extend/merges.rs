//! Extension mode "Reachable merges": make a term an ordinary BPE token.
//!
//! BPE builds a token only by merging two adjacent parts whose concatenation is in the vocabulary. tiktoken
//! also looks a whole piece up before merging, so adding just the term's bytes makes the term one token
//! when it stands alone as a piece — but not inside a longer piece (a plural, a compound), and not in BPE
//! implementations without that shortcut. To make the term reachable everywhere we add the chain of
//! intermediate merges: for " Kubernetes" = " Ku" "ber" "net" "es", the tokens " Kuber", " Kubernet" and
//! " Kubernetes", at new ranks after every existing one, so all old merges happen first, exactly as before.
//!
//! A term that the split pattern cuts into several pieces (" GPT-4o") can never be one ordinary token: BPE
//! never merges across pieces. Such terms are refused here; the "Added tokens" mode can take them.

use crate::core::tokenize::{Encoder, Rank};

/// The merges that make one term reachable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergePlan {
    pub term: String,
    /// The term's tokens before the extension, as bytes.
    pub before: Vec<Vec<u8>>,
    /// New byte strings to add, in rank order (the last is the term itself).
    pub new_tokens: Vec<Vec<u8>>,
}

/// Why a term cannot be made one ordinary token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MergeRefusal {
    Empty,
    /// The split pattern cuts the term into these pieces.
    CrossesSplit(Vec<String>),
    /// Already one token, with this id.
    AlreadyOneToken(Rank),
}

impl MergeRefusal {
    /// A sentence that says what is wrong and what to do.
    pub fn explain(&self, term: &str) -> String {
        match self {
            MergeRefusal::Empty => "The term is empty; remove the line.".into(),
            MergeRefusal::CrossesSplit(p) => format!(
                "{term:?} is split by the tokenizer's pre-tokenizer into {} pieces ({}) before any merge \
                 happens, and BPE never merges across pieces, so it can never be one ordinary token. \
                 Use \"Added tokens\" mode for it, or add its pieces separately.",
                p.len(),
                p.iter()
                    .map(|s| format!("{s:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            MergeRefusal::AlreadyOneToken(id) => {
                format!("{term:?} is already one token (id {id}); adding it gains nothing.")
            }
        }
    }
}

/// Plans the merges that make `term` one token under `enc`: the left-to-right chain of prefixes of its
/// current tokens, skipping prefixes that are tokens already.
pub fn plan(enc: &mut Encoder, term: &str) -> Result<MergePlan, MergeRefusal> {
    if term.is_empty() {
        return Err(MergeRefusal::Empty);
    }
    let pieces: Vec<&str> = enc.pattern().pieces(term).collect();
    if pieces.len() > 1 {
        return Err(MergeRefusal::CrossesSplit(
            pieces.iter().map(|s| s.to_string()).collect(),
        ));
    }
    let ids = enc.encode_ordinary(term);
    if let [id] = ids[..] {
        return Err(MergeRefusal::AlreadyOneToken(id));
    }
    let before: Vec<Vec<u8>> = ids
        .iter()
        .map(|&i| enc.token_bytes(i).unwrap_or_default().to_vec())
        .collect();
    let mut new_tokens = Vec::new();
    let mut prefix = before[0].clone();
    for part in &before[1..] {
        prefix.extend_from_slice(part);
        if enc.rank_of(&prefix).is_none() {
            new_tokens.push(prefix.clone());
        }
    }
    Ok(MergePlan {
        term: term.to_string(),
        before,
        new_tokens,
    })
}

/// New ranks, and per term its plan or why it was refused.
pub type PlannedMerges = (Vec<(Vec<u8>, Rank)>, Vec<Result<MergePlan, MergeRefusal>>);

/// Plans every term in order, each against the vocabulary extended by the terms before it, and returns the
/// new ranks (from `first_rank` up) with the plan or refusal of each term.
pub fn plan_all(base: &Encoder, terms: &[String], first_rank: Rank) -> PlannedMerges {
    let mut ranks: Vec<(Vec<u8>, Rank)> = Vec::new();
    let mut results = Vec::new();
    let mut current = base.extended(&[], &[]).expect("a copy of a valid encoder");
    for term in terms {
        let result = plan(&mut current, term);
        if let Ok(p) = &result {
            let start = ranks.len();
            for bytes in &p.new_tokens {
                ranks.push((bytes.clone(), first_rank + ranks.len() as Rank));
            }
            current = current
                .extended(&ranks[start..], &[])
                .expect("planned tokens are new");
        }
        results.push(result);
    }
    (ranks, results)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Encoder {
        crate::core::tokenize::bpe::byte_level_for_tests(
            &[(" K", 256), ("ub", 257), ("er", 258)],
            &[],
        )
    }

    #[test]
    fn chain_makes_the_term_one_token_even_inside_longer_pieces() {
        let base = toy();
        let (ranks, plans) = plan_all(&base, &[" Kuber".to_string()], 300);
        let p = plans[0].as_ref().unwrap();
        assert_eq!(p.before, [b" K".to_vec(), b"ub".to_vec(), b"er".to_vec()]);
        assert_eq!(p.new_tokens, [b" Kub".to_vec(), b" Kuber".to_vec()]);
        assert_eq!(ranks, [(b" Kub".to_vec(), 300), (b" Kuber".to_vec(), 301)]);
        let mut ext = base.extended(&ranks, &[]).unwrap();
        assert_eq!(ext.encode_ordinary(" Kuber"), [301]);
        assert_eq!(ext.encode_ordinary(" Kubers"), [301, b's' as Rank]);
    }

    #[test]
    fn refusals() {
        let mut e = toy();
        assert_eq!(plan(&mut e, ""), Err(MergeRefusal::Empty));
        assert_eq!(plan(&mut e, " K"), Err(MergeRefusal::AlreadyOneToken(256)));
        match plan(&mut e, " GPT-4o") {
            Err(MergeRefusal::CrossesSplit(p)) => assert_eq!(p, [" GPT", "-", "4", "o"]),
            other => panic!("{other:?}"),
        }
        assert!(MergeRefusal::CrossesSplit(vec!["a".into(), "b".into()])
            .explain("ab")
            .contains("Added tokens"));
    }

    #[test]
    fn later_terms_build_on_earlier_ones() {
        let base = toy();
        let terms = [" Kub".to_string(), " Kuber".to_string()];
        let (ranks, plans) = plan_all(&base, &terms, 300);
        assert_eq!(plans[1].as_ref().unwrap().new_tokens, [b" Kuber".to_vec()]);
        assert_eq!(ranks.len(), 2);
    }
}
