#!/usr/bin/env bash
# Fuzzes every parser of untrusted bytes (fuzz/; README "Reliability"). Builds the runner with LLVM
# SanitizerCoverage edge counters — plain `-C` flags of stable rustc, no nightly — in its own target dir
# (target/fuzz), so the lab's own build cache is untouched. Then:
#   scripts/fuzz.sh replay              every seed and every kept failure (the regression tests)
#   scripts/fuzz.sh run [ARGS…]         fuzz: datalab-fuzz run ARGS, e.g. --seconds 60 gguf
#   scripts/fuzz.sh ci                  replay, then every target for FUZZ_SECONDS (default 8) seconds
# A failing input is kept in fuzz/regressions/<target>/ (commit it once fixed: replay runs it from then on).
set -euo pipefail
source "$(dirname "$0")/env.sh"
have cargo || die "cargo is missing: install Rust with rustup (https://rustup.rs), then run this again"

host=$(rustc -vV | sed -n 's/^host: //p')
export CARGO_TARGET_DIR="$ROOT/target/fuzz"
# --target: the flags reach only the fuzzed code, not build scripts or proc macros.
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=3 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cdebug-assertions -Coverflow-checks"
say "fuzz: building the runner with coverage counters (first build ~5 minutes)"
cargo build --release --manifest-path fuzz/Cargo.toml --target "$host"
bin="$CARGO_TARGET_DIR/$host/release/datalab-fuzz"

cmd="${1:-ci}"
shift || true
case "$cmd" in
  replay) say "fuzz: replaying every seed and kept failure"; "$bin" replay "$@" ;;
  run) "$bin" run "$@" ;;
  ci)
    say "fuzz: replaying every seed and kept failure"
    "$bin" replay
    secs="${FUZZ_SECONDS:-8}"
    say "fuzz: every target for $secs s (failures are kept in fuzz/regressions/)"
    "$bin" run --seconds "$secs" --seed "$(date +%s)"
    ;;
  *) die "unknown command $cmd: use replay, run or ci" ;;
esac
