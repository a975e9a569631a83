#!/usr/bin/env bash
# Runs every test: formatting and lints, native unit and integration tests, wasm tests in headless
# Chromium, a release build, and the end-to-end tests in Debian's Chromium. Installs what is missing first.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh --browser
export PATH="$HOME/.cargo/bin:$ROOT/.tools/node_modules/.bin:$PATH"
say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

say "cargo fmt --check"
cargo fmt --all -- --check
say "cargo clippy (native and wasm32), warnings are errors"
cargo clippy --all-targets -- -D warnings
cargo clippy --target wasm32-unknown-unknown --lib --bins -- -D warnings

say "native tests (cargo test): core logic, tokenizers against tiktoken-rs"
cargo test

say "wasm tests in headless Chromium (wasm-bindgen-test)"
CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=120 \
  cargo test --target wasm32-unknown-unknown --test web

say "release build (trunk build --release)"
trunk build --release

say "end-to-end tests in Chromium (playwright-core)"
cd tests/e2e
node --test --test-concurrency=1 ./*.test.mjs
