//! What extending the tokenizer costs the model, and how to resize it safely.
//!
//! Adding N tokens to a GPT-2 tokenizer is not free: every id must have a row in the token
//! embedding (`tok_emb`, shape `vocab × d_model`) and a row in the output head (`out_head`, a
//! `Linear(d_model, vocab)` whose weight is `vocab × d_model`). Both matrices grow by N rows, and
//! with weight tying they are the same `Parameter`, so the growth is counted once.
//!
//! The new rows need a sensible start. Random rows can produce logits that dominate the softmax
//! before any training; the mean of the existing rows makes each new token start as an
//! "average" token instead.
//!
//! The book's notebook replaced `Linear(768, 50257, bias=False)` with
//! `Linear(768, 50259, bias=True)`. That freshly initialised random bias shifts the logit of every
//! *old* token, silently changing the pretrained model's predictions. We therefore never add a
//! bias: the generated PyTorch code always uses `bias=False`.

/// A GPT-2 model size: its display name and hidden width (`emb_dim` in the book).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gpt2Size {
    /// Display name, e.g. "GPT-2 small".
    pub name: &'static str,
    /// Hidden width / embedding dimension.
    pub d_model: usize,
}

const fn gpt2(name: &'static str, d_model: usize) -> Gpt2Size {
    Gpt2Size { name, d_model }
}

/// The four released GPT-2 sizes.
pub static GPT2_SIZES: [Gpt2Size; 4] = [
    gpt2("GPT-2 small", 768),
    gpt2("GPT-2 medium", 1024),
    gpt2("GPT-2 large", 1280),
    gpt2("GPT-2 XL", 1600),
];

/// The base GPT-2 BPE vocabulary size.
pub const GPT2_BASE_VOCAB: usize = 50257;

/// Shapes and parameter counts of the embedding and output head before and after the resize.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SizingReport {
    /// Model display name.
    pub model: &'static str,
    /// Hidden width.
    pub d_model: usize,
    /// Vocabulary size before extension.
    pub old_vocab: usize,
    /// Vocabulary size after extension.
    pub new_vocab: usize,
    /// Whether `out_head.weight` is the same Parameter as `tok_emb.weight`.
    pub tied: bool,
    /// Embedding weight shape before, `(rows, cols)`.
    pub embedding_before: (usize, usize),
    /// Embedding weight shape after, `(rows, cols)`.
    pub embedding_after: (usize, usize),
    /// Head weight shape before, PyTorch `Linear` layout `(out, in)`.
    pub head_before: (usize, usize),
    /// Head weight shape after, PyTorch `Linear` layout `(out, in)`.
    pub head_after: (usize, usize),
    /// Parameters in embedding + head before (counted once when tied).
    pub params_before: usize,
    /// Parameters in embedding + head after (counted once when tied).
    pub params_after: usize,
}

impl SizingReport {
    /// How many parameters the extension adds.
    pub fn params_delta(&self) -> usize {
        self.params_after - self.params_before
    }
}

fn emb_head_params(vocab: usize, d_model: usize, tied: bool) -> usize {
    let matrix = vocab * d_model;
    if tied {
        matrix
    } else {
        2 * matrix
    }
}

/// Sizes the embedding and head when `added` tokens extend a vocabulary of `old_vocab`.
pub fn sizing(size: &Gpt2Size, old_vocab: usize, added: usize, tied: bool) -> SizingReport {
    let d = size.d_model;
    let new_vocab = old_vocab + added;
    SizingReport {
        model: size.name,
        d_model: d,
        old_vocab,
        new_vocab,
        tied,
        embedding_before: (old_vocab, d),
        embedding_after: (new_vocab, d),
        head_before: (old_vocab, d),
        head_after: (new_vocab, d),
        params_before: emb_head_params(old_vocab, d, tied),
        params_after: emb_head_params(new_vocab, d, tied),
    }
}

const RESIZE_TEMPLATE: &str = r#"# Resize the book's GPTModel (rasbt/LLMs-from-scratch) for tokenizer version: @VERSION@
# @MODEL@ (emb_dim=@D@): vocab @OLD@ -> @NEW@, weight tying: @TIED_WORD@
import torch
import torch.nn as nn


def resize_gpt_vocab(model, old_vocab=@OLD@, new_vocab=@NEW@, tied=@TIED@):
    """Grow model.tok_emb and model.out_head from old_vocab to new_vocab rows."""
    old_emb, old_head = model.tok_emb, model.out_head
    d_model = old_emb.weight.shape[1]
    device, dtype = old_emb.weight.device, old_emb.weight.dtype
    assert tuple(old_emb.weight.shape) == (old_vocab, d_model)
    assert tuple(old_head.weight.shape) == (old_vocab, d_model)

    new_emb = nn.Embedding(new_vocab, d_model, device=device, dtype=dtype)
    # No bias, ever: a freshly initialised random bias would shift the logit of
    # every OLD token too, silently changing the pretrained model's predictions.
    new_head = nn.Linear(d_model, new_vocab, bias=False, device=device, dtype=dtype)

    with torch.no_grad():
        new_emb.weight[:old_vocab] = old_emb.weight
        # Mean init: each new token starts as an "average" token instead of
        # random noise whose logits could dominate the softmax.
        new_emb.weight[old_vocab:] = old_emb.weight.mean(dim=0, keepdim=True)
        if not tied:
            new_head.weight[:old_vocab] = old_head.weight
            new_head.weight[old_vocab:] = old_head.weight.mean(dim=0, keepdim=True)

    model.tok_emb = new_emb
    if tied:
        # Weight tying: the head shares the embedding's Parameter.
        new_head.weight = new_emb.weight
    model.out_head = new_head

    if hasattr(model, "cfg") and isinstance(model.cfg, dict):
        model.cfg["vocab_size"] = new_vocab

    assert tuple(model.tok_emb.weight.shape) == (new_vocab, d_model)
    assert tuple(model.out_head.weight.shape) == (new_vocab, d_model)
    assert model.out_head.bias is None
    if tied:
        assert model.out_head.weight is model.tok_emb.weight
    return model


# Usage:
#   model = resize_gpt_vocab(model)
#   cfg["vocab_size"] = @NEW@  # keep your own config dict in sync
#   optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5)  # rebuild: new Parameters
"#;

/// A self-contained PyTorch function (plus usage comment) that resizes `model.tok_emb` and
/// `model.out_head` of the book's GPTModel as described by `report`, with no bias and mean init.
pub fn pytorch_resize_code(report: &SizingReport, tokenizer_version: &str) -> String {
    // Keep the version on its one comment line whatever it contains.
    let version: String = tokenizer_version
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let (tied, tied_word) = if report.tied {
        ("True", "on")
    } else {
        ("False", "off")
    };
    RESIZE_TEMPLATE
        .replace("@MODEL@", report.model)
        .replace("@D@", &report.d_model.to_string())
        .replace("@OLD@", &report.old_vocab.to_string())
        .replace("@NEW@", &report.new_vocab.to_string())
        .replace("@TIED_WORD@", tied_word)
        .replace("@TIED@", tied)
        .replace("@VERSION@", &version)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> &'static Gpt2Size {
        &GPT2_SIZES[0]
    }

    #[test]
    fn small_untied_plus_two() {
        let r = sizing(small(), GPT2_BASE_VOCAB, 2, false);
        assert_eq!(r.new_vocab, 50259);
        assert_eq!(r.embedding_before, (50257, 768));
        assert_eq!(r.embedding_after, (50259, 768));
        assert_eq!(r.head_before, (50257, 768));
        assert_eq!(r.head_after, (50259, 768));
        assert_eq!(r.params_before, 2 * 50257 * 768);
        assert_eq!(r.params_delta(), 2 * 2 * 768); // 3072
    }

    #[test]
    fn small_tied_counts_once() {
        let r = sizing(small(), GPT2_BASE_VOCAB, 2, true);
        assert_eq!(r.params_before, 50257 * 768);
        assert_eq!(r.params_delta(), 1536);
    }

    #[test]
    fn xl_numbers() {
        let r = sizing(&GPT2_SIZES[3], GPT2_BASE_VOCAB, 10, false);
        let widths: Vec<usize> = GPT2_SIZES.iter().map(|s| s.d_model).collect();
        assert_eq!(widths, vec![768, 1024, 1280, 1600]);
        assert_eq!(r.model, "GPT-2 XL");
        assert_eq!(r.embedding_after, (50267, 1600));
        assert_eq!(r.head_after, (50267, 1600));
        assert_eq!(r.params_after, 2 * 50267 * 1600);
        assert_eq!(r.params_delta(), 32_000);
        assert_eq!(
            sizing(&GPT2_SIZES[3], GPT2_BASE_VOCAB, 10, true).params_delta(),
            16_000
        );
    }

    #[test]
    fn zero_added_is_free() {
        for size in &GPT2_SIZES {
            for tied in [false, true] {
                let r = sizing(size, GPT2_BASE_VOCAB, 0, tied);
                assert_eq!(r.params_delta(), 0);
                assert_eq!(r.embedding_before, r.embedding_after);
            }
        }
    }

    #[test]
    fn code_contents() {
        let code = pytorch_resize_code(&sizing(small(), GPT2_BASE_VOCAB, 2, false), "med-v2");
        assert!(code.contains("bias=False"));
        assert!(!code.contains("bias=True"));
        assert!(code.contains("50259"));
        assert!(code.contains("torch.no_grad"));
        assert!(code.contains("med-v2"));
        assert!(code.contains("tied=False"));
        assert!(!code.contains('@'), "unfilled placeholder");
        let tied = pytorch_resize_code(&sizing(small(), GPT2_BASE_VOCAB, 2, true), "v\nx");
        assert!(tied.contains("tied=True"));
        assert!(tied.starts_with("# Resize") && tied.lines().next().unwrap().ends_with("v x"));
    }

    /// Parses the generated code with `python3` when it is available (PyTorch is not needed).
    #[test]
    fn code_is_valid_python() {
        use std::io::Write;
        use std::process::{Command, Stdio};
        for tied in [false, true] {
            let code = pytorch_resize_code(&sizing(small(), GPT2_BASE_VOCAB, 2, tied), "v1");
            let child = Command::new("python3")
                .args(["-c", "import ast,sys; ast.parse(sys.stdin.read())"])
                .stdin(Stdio::piped())
                .spawn();
            let Ok(mut child) = child else { return };
            child
                .stdin
                .take()
                .unwrap()
                .write_all(code.as_bytes())
                .unwrap();
            assert!(child.wait().unwrap().success(), "invalid Python:\n{code}");
        }
    }
}
