//! The runner: each target's inputs are run one at a time with panics caught, the heap peak measured and
//! edge coverage read; mutated inputs that reach new coverage join the target's corpus, and any input that
//! fails (a panic, a broken property, a heap peak over the target's bound, a very slow parse) is written to
//! `fuzz/regressions/<target>/`, where `replay` runs it on every CI run from then on.

pub mod alloc;
pub mod coverage;
pub mod crash;
pub mod mutate;

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// One parser (or a family of them) of untrusted bytes, with the properties it must keep.
pub struct Target {
    pub name: &'static str,
    /// What it reads, for `list` and the README.
    pub about: &'static str,
    /// Runs one input: `Err` says which property broke.
    pub run: fn(&[u8]) -> Result<(), String>,
    /// Mutated inputs are cut to this length.
    pub max_len: usize,
    /// Tokens the format is made of.
    pub dict: &'static [&'static [u8]],
    /// The most heap an input of `n` bytes may make the parser use.
    pub bound: fn(usize) -> usize,
}

/// The default heap bound: 16 MiB plus 64 bytes per input byte. Parsed rows, JSON values and the
/// exports the round-trip properties build cost a small multiple of the input; what a declared size inside
/// the file could make a careless parser reserve (gigabytes) is far above it.
pub fn default_bound(n: usize) -> usize {
    (16 << 20) + 64 * n
}

/// An input taking longer than this is a failure (a parse that is quadratic or worse in some input).
pub const SLOW: Duration = Duration::from_secs(5);

thread_local! {
    static LAST_PANIC: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Panics are caught per input; the hook keeps the message and location instead of printing them.
pub fn quiet_panics() {
    // FUZZ_VERBOSE=1 prints every panic as it happens: the only trace of one that cannot unwind (the
    // process aborts right after the hook).
    let verbose = std::env::var_os("FUZZ_VERBOSE").is_some();
    std::panic::set_hook(Box::new(move |info| {
        if verbose {
            eprintln!(
                "panic: {info}\n{}",
                std::backtrace::Backtrace::force_capture()
            );
        }
        LAST_PANIC.with(|l| *l.borrow_mut() = info.to_string());
    }));
}

/// Runs one input against one target; `Err` is the failure, in words.
pub fn run_one(t: &Target, input: &[u8]) -> Result<(), String> {
    crash::set(input);
    coverage::Coverage::reset();
    let base = alloc::start();
    let t0 = Instant::now();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (t.run)(input)));
    let took = t0.elapsed();
    let peak = alloc::peak_since(base);
    crash::clear();
    match r {
        Err(_) => return Err(format!("panic: {}", LAST_PANIC.with(|l| l.take()))),
        Ok(Err(e)) => return Err(e),
        Ok(Ok(())) => {}
    }
    let bound = (t.bound)(input.len());
    if peak > bound {
        return Err(format!(
            "heap peak of {peak} bytes for a {}-byte input, over the bound of {bound}",
            input.len()
        ));
    }
    if took > SLOW {
        return Err(format!("took {took:?} on a {}-byte input", input.len()));
    }
    Ok(())
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn corpus_dir(t: &Target) -> PathBuf {
    root().join("corpus").join(t.name)
}

pub fn regressions_dir(t: &Target) -> PathBuf {
    root().join("regressions").join(t.name)
}

/// The files in a folder, by name (missing folder = none).
pub fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| e.path().is_file())
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    std::fs::read(e.path()).ok().map(|b| (name, b))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// FNV-1a, 64-bit: stable across runs and machines (split points, kept inputs' names).
pub fn fnv(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        h ^= b as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}

/// A kept input's file name.
pub fn name_of(input: &[u8]) -> String {
    format!("{:016x}", fnv(input))
}

/// A failure's kind, so one bug found a thousand ways is kept once: a panic's location, or the start of a
/// broken property's message (digits blanked; the rest often quotes the input).
fn signature(failure: &str) -> String {
    let first = failure.lines().next().unwrap_or("");
    let kind: String = match first.strip_prefix("panic: panicked at ") {
        Some(at) => at.split(':').take(2).collect::<Vec<_>>().join(":"),
        None => first.chars().take(48).collect(),
    };
    kind.chars()
        .map(|c| {
            if c.is_ascii_digit() && !first.starts_with("panic") {
                '#'
            } else {
                c
            }
        })
        .collect()
}

/// Runs every seed and every kept regression; returns the failures as (file, message).
pub fn replay(t: &Target) -> Vec<(String, String)> {
    let mut fails = Vec::new();
    for dir in [corpus_dir(t), regressions_dir(t)] {
        for (name, bytes) in files(&dir) {
            if let Err(e) = run_one(t, &bytes) {
                fails.push((format!("{}/{name}", dir.display()), e));
            }
        }
    }
    fails
}

/// What a fuzzing run of one target did.
pub struct Report {
    pub execs: u64,
    pub corpus: usize,
    pub edges: usize,
    pub failures: Vec<(String, String)>,
    pub took: Duration,
}

/// Fuzzes one target until `time` has passed or `runs` inputs have run, whichever is first.
pub fn fuzz(t: &Target, time: Duration, runs: u64, seed: u64) -> Report {
    let mut rng = fastrand::Rng::with_seed(seed);
    let regs = regressions_dir(t);
    let _ = std::fs::create_dir_all(&regs);
    crash::install(&regs.join(format!("crash-{seed}")));
    let mut cov = coverage::Coverage::new();
    let mut corpus: Vec<Vec<u8>> = Vec::new();
    let mut seen = BTreeSet::new();
    let mut failures = Vec::new();
    let mut keep = |input: &[u8], e: String, failures: &mut Vec<(String, String)>| {
        if seen.insert(signature(&e)) {
            let path = regs.join(name_of(input));
            let _ = std::fs::write(&path, input);
            failures.push((path.display().to_string(), e));
        }
    };
    for (_, bytes) in files(&corpus_dir(t))
        .into_iter()
        .chain(files(&regressions_dir(t)))
    {
        match run_one(t, &bytes) {
            Ok(()) => {
                cov.merge();
                corpus.push(bytes);
            }
            Err(e) => keep(&bytes, e, &mut failures),
        }
    }
    if corpus.is_empty() {
        corpus.push(Vec::new());
    }
    let t0 = Instant::now();
    let mut execs = 0u64;
    while execs < runs && t0.elapsed() < time {
        let parent = &corpus[rng.usize(0..corpus.len())];
        let other = &corpus[rng.usize(0..corpus.len())];
        let mut child = parent.clone();
        mutate::havoc(&mut rng, &mut child, t.dict, other, t.max_len);
        execs += 1;
        match run_one(t, &child) {
            Ok(()) => {
                if cov.merge() {
                    corpus.push(child);
                }
            }
            Err(e) => keep(&child, e, &mut failures),
        }
    }
    Report {
        execs,
        corpus: corpus.len(),
        edges: cov.reached(),
        failures,
        took: t0.elapsed(),
    }
}
