#!/usr/bin/env bash
# Makes the in-page model's test fixtures in target/model-fixtures/ (tests/model.rs reads them): small
# random-weight GGUF models (scripts/make-gguf.py: llama and qwen2 layouts, F32, Q8_0, Q4_K_M) and what
# llama.cpp and jinja2 make of them (scripts/llama-reference.py). Skipped when the fixtures were made by
# the same scripts and packages. Needs .tools/model-venv (scripts/setup.sh --browser).
set -euo pipefail
source "$(dirname "$0")/env.sh"
OUT="${DATALAB_MODEL_FIXTURES:-$ROOT/target/model-fixtures}"
PY=.tools/model-venv/bin/python
[ -x "$PY" ] || die "no .tools/model-venv: run scripts/setup.sh --browser first"

stamp=$(cat scripts/make-gguf.py scripts/llama-reference.py .tools/model-venv/.pins | sha256sum | cut -d' ' -f1)
if [ -f "$OUT/reference.json" ] && [ "$(cat "$OUT/.stamp" 2>/dev/null)" = "$stamp" ]; then
  say "model fixtures: present ($OUT)"
  exit 0
fi

# GPT-2's rank file, from the tiktoken-rs crate Cargo.lock pins (asked of cargo, never guessed).
ver=$(awk '$0 == "name = \"tiktoken-rs\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
manifest=$(cargo metadata --format-version 1 --locked | grep -o "\"manifest_path\":\"[^\"]*/tiktoken-rs-$ver/Cargo.toml\"" | head -n 1 | cut -d'"' -f4) || true
[ -n "$manifest" ] || die "cargo metadata does not list tiktoken-rs $ver"
ranks="$(dirname "$manifest")/assets/r50k_base.tiktoken"
[ -f "$ranks" ] || die "$ranks is missing"

say "model fixtures: random-weight GGUF models (llama, qwen2; F32, Q8_0, Q4_K_M) into $OUT"
rm -rf "$OUT"
mkdir -p "$OUT"
"$PY" scripts/make-gguf.py --ranks "$ranks" --shape tiny-llama --shape tiny-qwen2 --shape tiny-q5 --out "$OUT" --quantize
# A model whose answers end after a few tokens, for the browser tests (tests/e2e/in-page.test.mjs).
"$PY" scripts/make-gguf.py --ranks "$ranks" --shape tiny-chat --out "$OUT/e2e" --quantize
say "model fixtures: what llama.cpp and jinja2 make of them"
"$PY" scripts/llama-reference.py --out "$OUT/reference.json" "$OUT"/*.gguf
echo "$stamp" > "$OUT/.stamp"
