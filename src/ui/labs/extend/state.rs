//! The extension lab's shared state, and the live preview of the extended tokenizer.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;

use crate::core::tokenize::display::{chips, Chip};
use crate::core::tokenize::extend::checks::{self, Finding};
use crate::core::tokenize::extend::version::{build, TokenizerVersion};
use crate::core::tokenize::extend::{parse_terms, Mode};
use crate::core::tokenize::Encoder;
use crate::ui::services::tokenizer::Loaded;

/// Rows shown in the per-term table at most.
pub const MAX_ROWS: usize = 50;

/// One term, before and after.
#[derive(Clone, Debug, PartialEq)]
pub struct TermRow {
    pub term: String,
    pub before: Vec<Chip>,
    pub after: Vec<Chip>,
    /// BPE's merge steps for the term, before and after (each step: the parts, as text).
    pub steps_before: Vec<Vec<String>>,
    pub steps_after: Vec<Vec<String>>,
    /// Reachable-merges mode: (tokens of the bare term, tokens of the term + "s") when only the term's
    /// final bytes are added — the whole-piece lookup finds the bare term, nothing reaches it inside a
    /// longer piece.
    pub final_only: Option<(usize, usize)>,
    /// The same two counts with the full merge chain.
    pub with_chain: Option<(usize, usize)>,
    /// The new ids this term brings (text, id).
    pub new_ids: Vec<(String, u32)>,
}

/// What the current terms would make.
#[derive(Clone, Debug, PartialEq)]
pub struct Preview {
    pub version: TokenizerVersion,
    pub findings: Vec<Finding>,
    pub rows: Vec<TermRow>,
}

impl Preview {
    pub fn has_errors(&self) -> bool {
        !checks::passes(&self.findings)
    }
}

/// Signals shared by the lab's panels.
#[derive(Clone, Copy)]
pub struct Ctx {
    pub base: StoredValue<Option<Loaded>, LocalStorage>,
    /// Ok(sha256) once GPT-2 is loaded, Err(message) if it failed.
    pub base_status: RwSignal<Option<Result<String, String>>>,
    pub terms_raw: RwSignal<String>,
    pub mode: RwSignal<Mode>,
    pub allow_special: RwSignal<bool>,
    pub preview: RwSignal<Option<Preview>>,
    pub ext: StoredValue<Option<Rc<RefCell<Encoder>>>, LocalStorage>,
    /// Bumped whenever `ext` changes, so effects can follow it.
    pub ext_version: RwSignal<u64>,
    pub versions: RwSignal<Vec<TokenizerVersion>>,
    pub current: RwSignal<Option<String>>,
}

fn parts_text(steps: Vec<Vec<Vec<u8>>>) -> Vec<Vec<String>> {
    steps
        .into_iter()
        .map(|st| {
            st.iter()
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .collect()
        })
        .collect()
}

/// Recomputes the preview and the extended encoder from the current terms and mode.
pub fn refresh(ctx: Ctx) {
    let Some(loaded) = ctx.base.get_value() else {
        return;
    };
    let Some(Ok(sha)) = ctx.base_status.get_untracked() else {
        return;
    };
    let terms = parse_terms(&ctx.terms_raw.get_untracked());
    let mode = ctx.mode.get_untracked();
    let mut base = loaded.encoder.borrow_mut();
    let findings = checks::check(&base, &terms, mode);
    let built = build(
        "gpt2",
        &sha,
        &base,
        mode,
        &terms,
        ctx.current.get_untracked(),
        "",
        "",
    );
    let mut ext = match built.version.encoder(&base) {
        Ok(e) => e,
        Err(e) => {
            crate::web::tick::warn(&format!("extension: {e}"));
            return;
        }
    };
    // Which new ids belong to which term: merges are numbered in plan order; added tokens one each.
    let mut next_rank = 0usize;
    let new_ids: Vec<Vec<(String, u32)>> = built
        .plans
        .iter()
        .zip(&terms)
        .map(|(plan, term)| match plan {
            Some(Ok(p)) => {
                let ids = built.version.ranks[next_rank..next_rank + p.new_tokens.len()]
                    .iter()
                    .map(|r| (r.text.clone(), r.rank))
                    .collect();
                next_rank += p.new_tokens.len();
                ids
            }
            Some(Err(_)) => vec![],
            None => built
                .version
                .added
                .iter()
                .filter(|a| &a.0 == term)
                .map(|a| (a.0.clone(), a.1))
                .take(1)
                .collect(),
        })
        .collect();
    let rows = terms
        .iter()
        .take(MAX_ROWS)
        .enumerate()
        .map(|(i, term)| {
            let b = base.encode(term, false);
            let a = ext.encode(term, false);
            let single_piece = base.pattern().pieces(term).count() == 1;
            let (steps_before, steps_after) = if single_piece && mode == Mode::ReachableMerges {
                (
                    parts_text(base.merge_steps(term.as_bytes())),
                    parts_text(ext.merge_steps(term.as_bytes())),
                )
            } else {
                (vec![], vec![])
            };
            let longer = format!("{term}s");
            let demo = mode == Mode::ReachableMerges && single_piece && b.len() > 1 && i < 20;
            let final_only = demo.then(|| {
                let mut only = base
                    .extended(&[(term.as_bytes().to_vec(), base.n_vocab() as u32)], &[])
                    .expect("the term is not a token yet");
                (
                    only.encode_ordinary(term).len(),
                    only.encode_ordinary(&longer).len(),
                )
            });
            let with_chain = demo.then(|| (a.len(), ext.encode_ordinary(&longer).len()));
            TermRow {
                term: term.clone(),
                before: chips(&base, term, &b, 64),
                after: chips(&ext, term, &a, 64),
                steps_before,
                steps_after,
                final_only,
                with_chain,
                new_ids: new_ids[i].clone(),
            }
        })
        .collect();
    drop(base);
    ctx.ext.set_value(Some(Rc::new(RefCell::new(ext))));
    ctx.ext_version.update(|v| *v += 1);
    ctx.preview.set(Some(Preview {
        version: built.version,
        findings,
        rows,
    }));
}
