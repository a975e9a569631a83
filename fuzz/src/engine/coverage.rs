//! Edge coverage from LLVM's SanitizerCoverage, on stable Rust.
//!
//! `scripts/fuzz.sh` builds the runner with `-Cpasses=sancov-module` and
//! `-sanitizer-coverage-inline-8bit-counters`: every edge of every instrumented crate bumps a byte counter,
//! and each module's constructor hands its counter array to [`__sanitizer_cov_8bit_counters_init`] before
//! `main`. No nightly feature is involved (cargo-fuzz needs nightly only for its sanitizers). Built
//! without the flags, nothing registers and the runner still works, as a plain mutation fuzzer.

use std::sync::atomic::{AtomicUsize, Ordering};

const MAX_REGIONS: usize = 256;
static STARTS: [AtomicUsize; MAX_REGIONS] = [const { AtomicUsize::new(0) }; MAX_REGIONS];
static ENDS: [AtomicUsize; MAX_REGIONS] = [const { AtomicUsize::new(0) }; MAX_REGIONS];
static REGIONS: AtomicUsize = AtomicUsize::new(0);

/// Called by the instrumentation before `main` (once per module; modules linked into one binary may
/// report the same section, so repeats are ignored). Must not allocate: it runs in static constructors.
///
/// # Safety
/// `start..stop` must be a counter array that lives for the whole process, as the instrumentation's is.
#[no_mangle]
pub unsafe extern "C" fn __sanitizer_cov_8bit_counters_init(start: *mut u8, stop: *mut u8) {
    let (s, e) = (start as usize, stop as usize);
    if s >= e {
        return;
    }
    let n = REGIONS.load(Ordering::Relaxed);
    if STARTS[..n].iter().any(|x| x.load(Ordering::Relaxed) == s) {
        return;
    }
    if n < MAX_REGIONS {
        STARTS[n].store(s, Ordering::Relaxed);
        ENDS[n].store(e, Ordering::Relaxed);
        REGIONS.store(n + 1, Ordering::Relaxed);
    }
}

fn regions() -> impl Iterator<Item = &'static mut [u8]> {
    (0..REGIONS.load(Ordering::Relaxed)).map(|i| {
        let s = STARTS[i].load(Ordering::Relaxed);
        let e = ENDS[i].load(Ordering::Relaxed);
        // SAFETY: registered by the instrumentation, valid for the whole process; the runner is the
        // only reader and runs one input at a time on this thread.
        unsafe { std::slice::from_raw_parts_mut(s as *mut u8, e - s) }
    })
}

/// Number of edge counters in the binary (0 when built without instrumentation).
pub fn edges() -> usize {
    regions().map(|r| r.len()).sum()
}

/// AFL's hit-count buckets: 1, 2, 3, 4–7, 8–15, 16–31, 32–127, 128+ as one bit each, so "this loop ran
/// a few more times" is new coverage but "ran 41 instead of 40 times" is not.
fn bucket(hits: u8) -> u8 {
    match hits {
        0 => 0,
        1 => 1,
        2 => 2,
        3 => 4,
        4..=7 => 8,
        8..=15 => 16,
        16..=31 => 32,
        32..=127 => 64,
        _ => 128,
    }
}

/// What every input so far has reached: one byte of bucket bits per counter.
pub struct Coverage {
    seen: Vec<u8>,
}

impl Coverage {
    pub fn new() -> Self {
        Coverage {
            seen: vec![0; edges()],
        }
    }

    /// Zeroes the counters before an input runs.
    pub fn reset() {
        for r in regions() {
            r.fill(0);
        }
    }

    /// Folds the counters of the input that just ran into what was seen; true when it reached an edge or
    /// a hit-count bucket never seen before (then the input joins the corpus).
    pub fn merge(&mut self) -> bool {
        let mut new = false;
        let mut at = 0;
        for r in regions() {
            // Counters are mostly zero: skip eight at a time.
            let (chunks, rest) = r.split_at(r.len() - r.len() % 8);
            for (k, c) in chunks.chunks_exact(8).enumerate() {
                if u64::from_ne_bytes(c.try_into().unwrap()) == 0 {
                    continue;
                }
                for (j, &h) in c.iter().enumerate() {
                    let b = bucket(h);
                    let s = &mut self.seen[at + k * 8 + j];
                    if b & !*s != 0 {
                        *s |= b;
                        new = true;
                    }
                }
            }
            let base = at + chunks.len();
            for (j, &h) in rest.iter().enumerate() {
                let b = bucket(h);
                let s = &mut self.seen[base + j];
                if b & !*s != 0 {
                    *s |= b;
                    new = true;
                }
            }
            at += r.len();
        }
        new
    }

    /// Edges reached at least once.
    pub fn reached(&self) -> usize {
        self.seen.iter().filter(|&&s| s != 0).count()
    }
}
