//! The tokenizer of a GGUF model, built from the file's own metadata — the vocabulary
//! (`tokenizer.ggml.tokens`), the token types, the BPE merges (`tokenizer.ggml.merges`) and the
//! pre-tokenizer it names (`tokenizer.ggml.pre`) — so text becomes exactly the token ids llama.cpp (and so
//! Ollama) gives for the same file. A tokenizer that is close but not equal would make the in-page model
//! answer differently from the same model in Ollama.
//!
//! Byte-level BPE as llama.cpp runs it: control and user-defined tokens are cut out of the text first
//! (the chat template's `<|im_start|>` is one token, never seven), each remaining span is split into
//! pieces by the pre-tokenizer, each piece starts as one symbol per byte, and the adjacent pair with the
//! lowest merge rank (leftmost among equals) is merged until no listed pair is left.

use std::collections::HashMap;

use crate::core::tokenize::pretokenize::SplitPattern;

/// Token types as GGUF stores them (`tokenizer.ggml.token_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenType {
    Normal,
    Unknown,
    Control,
    UserDefined,
    Unused,
    Byte,
}

impl TokenType {
    pub fn from_gguf(t: i32) -> TokenType {
        match t {
            2 => TokenType::Unknown,
            3 => TokenType::Control,
            4 => TokenType::UserDefined,
            5 => TokenType::Unused,
            6 => TokenType::Byte,
            _ => TokenType::Normal,
        }
    }
}

/// Why a GGUF's tokenizer cannot be used, in words that say what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenizerError(pub String);

impl std::fmt::Display for TokenizerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The pre-tokenizers the lab implements, by their GGUF name (`tokenizer.ggml.pre`).
pub fn split_pattern(pre: &str) -> Result<SplitPattern, TokenizerError> {
    match pre {
        "smollm" | "starcoder" | "refact" | "command-r" | "codeshell" | "exaone" | "minerva" => {
            Ok(SplitPattern::Smollm)
        }
        "qwen2" | "stablelm2" | "hunyuan" => Ok(SplitPattern::Qwen2),
        "gpt-2" | "gpt2" | "mpt" | "olmo" | "jais" | "trillion" => Ok(SplitPattern::Gpt2),
        other => Err(TokenizerError(format!(
            "this model's pre-tokenizer '{other}' is not one the lab implements (smollm, qwen2, gpt-2); use a SmolLM2 or Qwen2.5 GGUF"
        ))),
    }
}

/// GPT-2's map from bytes to the printable characters byte-level vocabularies store tokens in.
fn byte_chars() -> [char; 256] {
    let mut out = ['\0'; 256];
    let mut n = 0u32;
    for b in 0..256u32 {
        let printable =
            (0x21..=0x7E).contains(&b) || (0xA1..=0xAC).contains(&b) || (0xAE..=0xFF).contains(&b);
        out[b as usize] = if printable {
            char::from_u32(b).expect("a Latin-1 character")
        } else {
            n += 1;
            char::from_u32(255 + n).expect("a character above Latin-1")
        };
    }
    out
}

/// A GGUF model's byte-level BPE tokenizer.
#[derive(Debug)]
pub struct Tokenizer {
    pattern: SplitPattern,
    /// Each token's bytes (control tokens: their text).
    bytes: Vec<Vec<u8>>,
    types: Vec<TokenType>,
    /// The token of each single byte.
    byte_token: [u32; 256],
    /// (left, right) → (merge rank, merged token).
    merges: HashMap<(u32, u32), (u32, u32)>,
    /// Control and user-defined tokens that are cut out of text, longest first.
    specials: Vec<(String, u32)>,
    pub bos: Option<u32>,
    pub eos: Option<u32>,
    /// Whether prompts start with the BOS token (`tokenizer.ggml.add_bos_token`).
    pub add_bos: bool,
}

impl Tokenizer {
    /// Builds the tokenizer from the GGUF fields. `types` may be empty (all normal).
    pub fn new(
        pre: &str,
        tokens: &[String],
        types: &[i32],
        merges: &[String],
    ) -> Result<Tokenizer, TokenizerError> {
        let pattern = split_pattern(pre)?;
        if tokens.is_empty() {
            return Err(TokenizerError(
                "the file has no vocabulary (tokenizer.ggml.tokens); it is not a complete model"
                    .into(),
            ));
        }
        let chars = byte_chars();
        let mut unmap = HashMap::with_capacity(256);
        for (b, c) in chars.iter().enumerate() {
            unmap.insert(*c, b as u8);
        }
        let types: Vec<TokenType> = (0..tokens.len())
            .map(|i| TokenType::from_gguf(types.get(i).copied().unwrap_or(1)))
            .collect();
        let mut bytes = Vec::with_capacity(tokens.len());
        let mut id_of: HashMap<&str, u32> = HashMap::with_capacity(tokens.len());
        let mut specials = Vec::new();
        for (i, t) in tokens.iter().enumerate() {
            id_of.entry(t.as_str()).or_insert(i as u32);
            match types[i] {
                TokenType::Control | TokenType::UserDefined => {
                    bytes.push(t.as_bytes().to_vec());
                    if !t.is_empty() {
                        specials.push((t.clone(), i as u32));
                    }
                }
                _ => bytes.push(
                    t.chars()
                        .map(|c| unmap.get(&c).copied().unwrap_or(b'?'))
                        .collect(),
                ),
            }
        }
        specials.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.1.cmp(&b.1)));
        let mut byte_token = [u32::MAX; 256];
        for (b, c) in chars.iter().enumerate() {
            match id_of.get(c.to_string().as_str()) {
                Some(&id) => byte_token[b] = id,
                None => {
                    return Err(TokenizerError(format!(
                        "the vocabulary has no token for byte 0x{b:02X}; this is not a byte-level BPE model"
                    )))
                }
            }
        }
        let mut pairs = HashMap::with_capacity(merges.len());
        for (rank, m) in merges.iter().enumerate() {
            let Some((a, b)) = m.split_once(' ') else {
                return Err(TokenizerError(format!(
                    "merge {rank} ('{m}') is not two tokens separated by a space; the file is damaged"
                )));
            };
            let (Some(&l), Some(&r)) = (id_of.get(a), id_of.get(b)) else {
                continue;
            };
            let merged = format!("{a}{b}");
            if let Some(&id) = id_of.get(merged.as_str()) {
                pairs.entry((l, r)).or_insert((rank as u32, id));
            }
        }
        Ok(Tokenizer {
            pattern,
            bytes,
            types,
            byte_token,
            merges: pairs,
            specials,
            bos: None,
            eos: None,
            add_bos: false,
        })
    }

    pub fn n_vocab(&self) -> usize {
        self.bytes.len()
    }

    pub fn token_type(&self, id: u32) -> Option<TokenType> {
        self.types.get(id as usize).copied()
    }

    /// Whether `id` ends a turn (the EOS token, or a control token such as `<|im_end|>` or `<|endoftext|>`
    /// that llama.cpp treats as end of generation).
    pub fn is_eog(&self, id: u32) -> bool {
        if Some(id) == self.eos {
            return true;
        }
        let Some(TokenType::Control) = self.token_type(id) else {
            return false;
        };
        let text = self.bytes[id as usize].as_slice();
        matches!(
            text,
            b"<|im_end|>"
                | b"<|endoftext|>"
                | b"<|eot_id|>"
                | b"<|end|>"
                | b"<end_of_turn>"
                | b"</s>"
        )
    }

    /// Token ids of `text`. With `special`, control and user-defined tokens written in the text are those
    /// tokens (as in a rendered chat template); without, they are plain text.
    pub fn encode(&self, text: &str, special: bool) -> Vec<u32> {
        let mut out = Vec::with_capacity(text.len() / 3 + 1);
        if self.add_bos {
            if let Some(b) = self.bos {
                out.push(b);
            }
        }
        self.encode_into(text, special, &mut out);
        out
    }

    /// As [`Tokenizer::encode`], without the BOS token.
    pub fn encode_into(&self, text: &str, special: bool, out: &mut Vec<u32>) {
        let mut rest = text;
        while !rest.is_empty() {
            let cut = if special {
                self.next_special(rest)
            } else {
                None
            };
            let (plain, after) = match cut {
                Some((at, _, _)) => (&rest[..at], Some(cut.expect("a cut"))),
                None => (rest, None),
            };
            for piece in self.pattern.pieces(plain) {
                self.encode_piece(piece.as_bytes(), out);
            }
            match after {
                Some((at, len, id)) => {
                    out.push(id);
                    rest = &rest[at + len..];
                }
                None => break,
            }
        }
    }

    /// The first special token in `text`: (byte offset, length, id); the longest one at the earliest offset.
    fn next_special(&self, text: &str) -> Option<(usize, usize, u32)> {
        let mut best: Option<(usize, usize, u32)> = None;
        for (s, id) in &self.specials {
            if let Some(at) = text.find(s.as_str()) {
                let better = match best {
                    None => true,
                    Some((b, l, _)) => at < b || (at == b && s.len() > l),
                };
                if better {
                    best = Some((at, s.len(), *id));
                }
            }
        }
        best
    }

    fn encode_piece(&self, piece: &[u8], out: &mut Vec<u32>) {
        let mut syms: Vec<u32> = piece.iter().map(|&b| self.byte_token[b as usize]).collect();
        loop {
            let mut best: Option<(u32, usize, u32)> = None;
            for i in 0..syms.len().saturating_sub(1) {
                if let Some(&(rank, merged)) = self.merges.get(&(syms[i], syms[i + 1])) {
                    if best.is_none_or(|(r, _, _)| rank < r) {
                        best = Some((rank, i, merged));
                    }
                }
            }
            let Some((_, i, merged)) = best else {
                break;
            };
            syms[i] = merged;
            syms.remove(i + 1);
        }
        out.extend_from_slice(&syms);
    }

    /// The bytes of token `id` as text output shows them; control tokens give nothing (they end turns or
    /// frame them, and Ollama does not print them). An unknown id gives nothing.
    pub fn token_bytes(&self, id: u32) -> &[u8] {
        match self.types.get(id as usize) {
            Some(TokenType::Control) | None => &[],
            Some(_) => &self.bytes[id as usize],
        }
    }

    /// The bytes of token `id` whatever its type (a control token's text); empty for an unknown id.
    pub fn raw_bytes(&self, id: u32) -> &[u8] {
        self.bytes.get(id as usize).map_or(&[], |b| b.as_slice())
    }

    /// The text of `ids` (lossy where the bytes are not UTF-8).
    pub fn decode(&self, ids: &[u32]) -> String {
        let bytes: Vec<u8> = ids
            .iter()
            .flat_map(|&i| self.token_bytes(i).to_vec())
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// Turns a stream of token bytes into text without ever cutting a UTF-8 character in two: a token may end
/// inside a character (emoji, CJK), so bytes wait until the character is complete.
#[derive(Default, Debug)]
pub struct Utf8Stream {
    pending: Vec<u8>,
}

impl Utf8Stream {
    /// The text that is complete after `bytes`.
    pub fn push(&mut self, bytes: &[u8]) -> String {
        self.pending.extend_from_slice(bytes);
        match std::str::from_utf8(&self.pending) {
            Ok(s) => {
                let out = s.to_string();
                self.pending.clear();
                out
            }
            Err(e) => {
                let good = e.valid_up_to();
                if e.error_len().is_some() {
                    // Bytes that can never become a character: show them as U+FFFD, as llama.cpp does.
                    let out = String::from_utf8_lossy(&self.pending).into_owned();
                    self.pending.clear();
                    return out;
                }
                let out = String::from_utf8_lossy(&self.pending[..good]).into_owned();
                self.pending.drain(..good);
                out
            }
        }
    }

    /// Whatever is left at the end (an incomplete character becomes U+FFFD).
    pub fn finish(&mut self) -> String {
        let out = String::from_utf8_lossy(&self.pending).into_owned();
        self.pending.clear();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Tokenizer {
        // Bytes, then merges "h e" → "he", "he l" → "hel", "l l" → "ll", "hel lo"... a handful.
        let chars = byte_chars();
        let mut tokens: Vec<String> = chars.iter().map(|c| c.to_string()).collect();
        for t in ["he", "ll", "hell", "o", "Ġw", "<|im_start|>"] {
            tokens.push(t.to_string());
        }
        let mut types = vec![1; tokens.len()];
        *types.last_mut().unwrap() = 3;
        let merges = ["h e", "l l", "he ll", "Ġ w"].map(String::from);
        Tokenizer::new("gpt-2", &tokens, &types, &merges).unwrap()
    }

    #[test]
    fn merges_follow_rank_order_and_specials_are_cut_out() {
        let t = tiny();
        let ids = t.encode("hello", false);
        assert_eq!(t.decode(&ids), "hello");
        // "h e" (rank 0) and "l l" (rank 1) merge first, then "he ll" (rank 2): hell + o.
        assert_eq!(ids.len(), 2);
        let with = t.encode("<|im_start|>hello", true);
        assert_eq!(with[0], 256 + 5);
        let without = t.encode("<|im_start|>", false);
        assert!(without.len() > 1, "as text it is many tokens");
    }

    #[test]
    fn utf8_stream_never_cuts_a_character() {
        let mut s = Utf8Stream::default();
        let e = "é".as_bytes();
        assert_eq!(s.push(&e[..1]), "");
        assert_eq!(s.push(&e[1..]), "é");
        assert_eq!(s.push(&[0xFF]), "\u{FFFD}");
        assert_eq!(s.push(&[0xE2, 0x82]), "");
        assert_eq!(s.finish(), "\u{FFFD}");
    }

    #[test]
    fn unknown_pre_tokenizers_are_named() {
        let e = split_pattern("deepseek-llm").unwrap_err();
        assert!(e.0.contains("'deepseek-llm'"), "{e}");
    }
}
