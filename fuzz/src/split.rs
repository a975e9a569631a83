//! Deterministic split points for the stream targets: a stream read in pieces must give what it gives read
//! whole, wherever the network happens to cut it. The pieces come from the input's own hash, so a kept
//! failure replays with the same cuts.

use crate::engine::fnv;

/// Cuts `data` into pieces: one byte at a time for short inputs, and random-sized pieces (1–64 bytes)
/// seeded by the input's content.
pub fn pieces(data: &[u8], seed: u64) -> Vec<&[u8]> {
    let mut rng = fastrand::Rng::with_seed(seed ^ fnv(data));
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let k = if data.len() <= 256 {
            1
        } else {
            rng.usize(1..=64.min(rest.len()))
        };
        let (a, b) = rest.split_at(k.min(rest.len()));
        out.push(a);
        rest = b;
    }
    out
}

/// Random-sized pieces even for short inputs.
pub fn random_pieces(data: &[u8], seed: u64) -> Vec<&[u8]> {
    let mut rng = fastrand::Rng::with_seed(seed ^ fnv(data));
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let k = rng.usize(1..=rest.len().min(97));
        let (a, b) = rest.split_at(k);
        out.push(a);
        rest = b;
    }
    out
}
