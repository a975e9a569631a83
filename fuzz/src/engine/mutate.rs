//! Byte-level mutations, libFuzzer/AFL "havoc" style: a few random edits stacked on one corpus input, with
//! a per-target dictionary of the tokens its format is made of (so JSON keys, tar magic and GGUF keys
//! appear far more often than chance would put them there).

use fastrand::Rng;

const INTERESTING_8: &[u8] = &[
    0, 1, 0x7f, 0x80, 0xff, b'"', b'\\', b'\n', b'\r', b',', b'{', b'}',
];
const INTERESTING_64: &[u64] = &[
    0,
    1,
    0x7f,
    0x80,
    0xff,
    0x100,
    0x7fff,
    0xffff,
    0x1_0000,
    0x7fff_ffff,
    0xffff_ffff,
    1 << 32,
    1 << 40,
    1 << 48,
    i64::MAX as u64,
    u64::MAX,
];
const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1e309",
    "18446744073709551616",
    "99999999999",
    "77777777777",
    "4294967296",
    "-0",
    "NaN",
    "0.5",
];

/// Applies 1–8 random edits to `data` (in place), never growing it past `max_len`.
pub fn havoc(rng: &mut Rng, data: &mut Vec<u8>, dict: &[&[u8]], other: &[u8], max_len: usize) {
    let n = 1 << rng.usize(0..4);
    for _ in 0..n {
        one(rng, data, dict, other);
    }
    data.truncate(max_len);
}

fn pos(rng: &mut Rng, len: usize) -> usize {
    if len == 0 {
        0
    } else {
        rng.usize(0..len)
    }
}

fn one(rng: &mut Rng, d: &mut Vec<u8>, dict: &[&[u8]], other: &[u8]) {
    let len = d.len();
    match rng.u8(0..14) {
        0 if len > 0 => {
            let i = pos(rng, len);
            d[i] ^= 1 << rng.u8(0..8);
        }
        1 if len > 0 => {
            let i = pos(rng, len);
            d[i] = INTERESTING_8[rng.usize(0..INTERESTING_8.len())];
        }
        2 if len > 0 => {
            let i = pos(rng, len);
            d[i] = rng.u8(..);
        }
        3 => {
            let i = pos(rng, len + 1);
            let k = rng.usize(1..17);
            let bytes: Vec<u8> = (0..k).map(|_| rng.u8(..)).collect();
            d.splice(i..i, bytes);
        }
        4 if len > 0 => {
            let i = pos(rng, len);
            let k = rng.usize(1..=(len - i).min(64));
            d.drain(i..i + k);
        }
        5 if len > 0 => {
            // Duplicate a chunk somewhere else (repeated rows, repeated headers).
            let i = pos(rng, len);
            let k = rng.usize(1..=(len - i).min(256));
            let chunk = d[i..i + k].to_vec();
            let at = pos(rng, len + 1);
            d.splice(at..at, chunk);
        }
        6 | 7 if !dict.is_empty() => {
            let t = dict[rng.usize(0..dict.len())];
            let i = pos(rng, len + 1);
            if rng.bool() || i + t.len() > len {
                d.splice(i..i, t.iter().copied());
            } else {
                d[i..i + t.len()].copy_from_slice(t);
            }
        }
        8 if len >= 8 => {
            // A binary size or count field set to an extreme (GGUF, zip, gzip lengths are LE).
            let v = INTERESTING_64[rng.usize(0..INTERESTING_64.len())];
            let w = [1usize, 2, 4, 8][rng.usize(0..4)];
            let i = rng.usize(0..=len - w);
            let bytes = if rng.bool() {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            };
            let src = if bytes[0] == 0 && w < 8 && rng.bool() {
                &v.to_le_bytes()[..w]
            } else {
                &bytes[..w]
            };
            d[i..i + w].copy_from_slice(src);
        }
        9 if len > 0 => {
            // A number written in text (JSON, tar's octal fields, CSV) replaced by an extreme one.
            let i = pos(rng, len);
            if let Some(s) = (i..len).find(|&j| d[j].is_ascii_digit()) {
                let e = (s..len).find(|&j| !d[j].is_ascii_digit()).unwrap_or(len);
                let num = NUMBERS[rng.usize(0..NUMBERS.len())];
                d.splice(s..e, num.bytes());
            }
        }
        10 if len > 0 => {
            d.truncate(pos(rng, len));
        }
        11 if !other.is_empty() => {
            // Splice: the head of this input, the tail of another.
            let cut = pos(rng, len + 1);
            let from = pos(rng, other.len());
            d.truncate(cut);
            d.extend_from_slice(&other[from..]);
        }
        12 if len > 1 => {
            let a = pos(rng, len);
            let b = pos(rng, len);
            d.swap(a, b);
        }
        _ if len > 0 => {
            // A run of one byte (long lines, deep nesting, many separators).
            let i = pos(rng, len + 1);
            let k = rng.usize(1..=256);
            let b = if rng.bool() {
                d[pos(rng, len)]
            } else {
                INTERESTING_8[rng.usize(0..INTERESTING_8.len())]
            };
            d.splice(i..i, std::iter::repeat_n(b, k));
        }
        _ => d.push(rng.u8(..)),
    }
}
