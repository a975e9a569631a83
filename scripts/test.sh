#!/usr/bin/env bash
# Runs every test: formatting and lints, native unit and integration tests, the fuzz targets (replay and a
# short run), wasm tests in headless Chromium, a release build, and the end-to-end tests in Debian's
# Chromium. Installs what is missing first.
set -euo pipefail
source "$(dirname "$0")/env.sh"
bash scripts/setup.sh --browser

say "cargo fmt --check"
cargo fmt --all -- --check
say "cargo clippy (native and wasm32), warnings are errors"
cargo clippy --all-targets -- -D warnings
cargo clippy --target wasm32-unknown-unknown --lib --bins -- -D warnings

bash scripts/model-fixtures.sh
say "native tests (cargo test): core logic, tokenizers against tiktoken-rs, the in-page model against llama.cpp"
cargo test

say "fuzz targets (fuzz/): lints, every seed and kept failure, then each target for a few seconds"
cargo fmt --manifest-path fuzz/Cargo.toml -- --check
CARGO_TARGET_DIR=target/fuzz-lint cargo clippy --manifest-path fuzz/Cargo.toml -- -D warnings
bash scripts/fuzz.sh ci

say "wasm tests in headless Chromium (wasm-bindgen-test)"
CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=120 \
  cargo test --target wasm32-unknown-unknown --test web

say "release build (scripts/build.sh: trunk build --release)"
bash scripts/build.sh

# A warm cargo cache on this machine can hide a first-build failure that every new machine would hit (it
# happened: the rank-copying hook once relied on a crate already being in the registry cache).
if [ "${DATALAB_SKIP_FRESH:-}" = 1 ] && [ "${CI:-}" != true ]; then
  say "SKIPPED: fresh-machine check (DATALAB_SKIP_FRESH=1); CI never skips it"
else
  say "fresh-machine check: scripts/serve.sh from a clean copy with an empty HOME and CARGO_HOME (~8 minutes)"
  bash scripts/check-fresh-machine.sh
fi

say "end-to-end tests in Chromium (playwright-core)"
cd tests/e2e
node --test --test-concurrency=1 ./*.test.mjs
