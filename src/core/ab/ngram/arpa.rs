//! Writing a model as an ARPA file, the format lmplz writes and every n-gram toolkit reads.
//!
//! The layout is lmplz's (`lm/common/print.cc`): the `\data\` header, then per order `prob<TAB>words`
//! with `<TAB>backoff` on every order but the highest. Values have 7 decimals (lmplz prints the shortest
//! form of an `f32`, which carries about as much), and n-grams are sorted by dense word index, specials
//! first, so the same model always gives the same bytes — the KenLM fixture pins them by SHA-256.

use super::count::{BOS, EOS, FIRST_WORD, UNK};
use super::NgramModel;
use std::fmt::Write;

pub(super) fn write(model: &NgramModel) -> String {
    let names: Vec<String> = (0..model.vocab.len() as u32)
        .map(|w| match w {
            UNK => "<unk>".to_string(),
            BOS => "<s>".to_string(),
            EOS => "</s>".to_string(),
            _ => model.vocab.ids[(w - FIRST_WORD) as usize].to_string(),
        })
        .collect();
    let mut out = String::from("\\data\\\n");
    for (k, level) in model.levels.iter().enumerate() {
        let _ = writeln!(out, "ngram {}={}", k + 1, level.len());
    }
    for (k, level) in model.levels.iter().enumerate() {
        let words = k + 1;
        let _ = write!(out, "\n\\{words}-grams:\n");
        let mut keys: Vec<u128> = level.keys().copied().collect();
        keys.sort_unstable();
        for key in keys {
            let e = level[&key];
            out.push_str(&number(e.prob));
            for (i, w) in model.pack.unpack(key, words).into_iter().enumerate() {
                out.push(if i == 0 { '\t' } else { ' ' });
                out.push_str(&names[w as usize]);
            }
            if words < model.order {
                out.push('\t');
                out.push_str(&number(e.backoff));
            }
            out.push('\n');
        }
    }
    out.push_str("\n\\end\\\n");
    out
}

/// A log10 value with 7 decimals; exact zeros (the `<s>` probability, backoffs of non-contexts) as `0`,
/// as lmplz writes them.
fn number(v: f64) -> String {
    if v == 0.0 {
        "0".to_string()
    } else {
        format!("{v:.7}")
    }
}
