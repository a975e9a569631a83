//! `datalab-fuzz`: fuzz targets for every parser of untrusted bytes in the lab, run by a small
//! coverage-guided runner that needs only stable Rust (see `engine`). `scripts/fuzz.sh` builds and runs it.
//!
//! ```text
//! datalab-fuzz list                                  the targets
//! datalab-fuzz replay [TARGET…]                      every seed and kept failure (CI's regression test)
//! datalab-fuzz run [--seconds S] [--runs N] [--seed X] [TARGET…]   fuzz each target for S s / N inputs
//! datalab-fuzz seeds --ranks r50k_base.tiktoken      write the seeds made by the lab's own writers
//! ```
//! Exit status 1 when any input fails.

mod engine;
mod seeds;
mod split;
mod targets;

use std::time::Duration;

#[global_allocator]
static ALLOC: engine::alloc::Counting = engine::alloc::Counting;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cmd = args.first().map(String::as_str).unwrap_or("list");
    let mut seconds = 10.0f64;
    let mut runs = u64::MAX;
    let mut seed = 1u64;
    let mut names = Vec::new();
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        let mut value = |what: &str| -> String {
            it.next()
                .cloned()
                .unwrap_or_else(|| fail(&format!("{a} needs {what}")))
        };
        match a.as_str() {
            "--seconds" => {
                seconds = value("a number")
                    .parse()
                    .unwrap_or_else(|_| fail("--seconds: not a number"))
            }
            "--runs" => {
                runs = value("a number")
                    .parse()
                    .unwrap_or_else(|_| fail("--runs: not a number"))
            }
            "--ranks" => {
                value("a path");
            }
            "--seed" => {
                seed = value("a number")
                    .parse()
                    .unwrap_or_else(|_| fail("--seed: not a number"))
            }
            n => names.push(n.to_string()),
        }
    }
    let all = targets::all();
    let chosen: Vec<&engine::Target> = if names.is_empty() {
        all.iter().collect()
    } else {
        names
            .iter()
            .map(|n| {
                all.iter().find(|t| t.name == n).unwrap_or_else(|| {
                    let list: Vec<&str> = all.iter().map(|t| t.name).collect();
                    fail(&format!(
                        "no target {n}; the targets are: {}",
                        list.join(", ")
                    ))
                })
            })
            .collect()
    };
    let mut failed = 0;
    match cmd {
        "list" => {
            for t in &chosen {
                println!("{:<20} {}", t.name, t.about);
            }
        }
        "replay" => {
            engine::quiet_panics();
            for t in &chosen {
                let fails = engine::replay(t);
                let n = engine::files(&engine::corpus_dir(t)).len()
                    + engine::files(&engine::regressions_dir(t)).len();
                println!("{:<20} {n:>5} inputs, {} failing", t.name, fails.len());
                for (file, e) in &fails {
                    println!("  FAIL {file}\n       {}", e.replace('\n', "\n       "));
                }
                failed += fails.len();
            }
        }
        "run" => {
            engine::quiet_panics();
            println!(
                "edge counters in this build: {} (0 = built without coverage: plain mutation)",
                engine::coverage::edges()
            );
            let mut total = 0;
            for (k, t) in chosen.iter().enumerate() {
                let r = engine::fuzz(
                    t,
                    Duration::from_secs_f64(seconds),
                    runs,
                    seed.wrapping_add(k as u64),
                );
                total += r.execs;
                println!(
                    "{:<20} {:>10} inputs in {:>6.1} s ({:>7.0}/s), corpus {:>5}, edges {:>6}, {} new failure(s)",
                    t.name,
                    r.execs,
                    r.took.as_secs_f64(),
                    r.execs as f64 / r.took.as_secs_f64().max(1e-9),
                    r.corpus,
                    r.edges,
                    r.failures.len()
                );
                for (file, e) in &r.failures {
                    println!(
                        "  FAIL kept as {file}\n       {}",
                        e.replace('\n', "\n       ")
                    );
                    // A CI run's clone is thrown away: the input goes into the log too, to be kept by hand
                    // (`base64 -d > fuzz/regressions/<target>/<name>`).
                    if let Ok(bytes) = std::fs::read(file) {
                        if bytes.len() <= 8192 {
                            use base64::Engine;
                            let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
                            println!("       input (base64): {b64}");
                        }
                    }
                }
                failed += r.failures.len();
            }
            println!("inputs run in all: {total}");
        }
        "seeds" => {
            let at = args.iter().position(|a| a == "--ranks");
            let path = at
                .and_then(|i| args.get(i + 1))
                .unwrap_or_else(|| fail("seeds needs --ranks r50k_base.tiktoken"));
            seeds::write(std::path::Path::new(path));
        }
        other => fail(&format!("unknown command {other}: use list, replay or run")),
    }
    if failed > 0 {
        std::process::exit(1);
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("datalab-fuzz: {msg}");
    std::process::exit(2)
}
