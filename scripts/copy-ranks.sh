#!/usr/bin/env bash
# Trunk pre-build hook: copies the tokenizer rank files from the tiktoken-rs crate version pinned in
# Cargo.lock into the build (ranks/), and writes ranks/manifest.json with each file's size and SHA-256.
# The files are never committed by hand: they always match the crate the tests compare against.
#
# The crate's folder is asked of cargo (`cargo metadata`), never guessed from a cache layout: on a machine
# that has never built the project, cargo downloads the crate first, so the first build works as well as
# the hundredth. Any failure stops the build with a message saying what to do.
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "copy-ranks: $*" >&2; exit 1; }
out="${TRUNK_STAGING_DIR:?this script is run by trunk as a build hook}/ranks"
ver=$(awk '$0 == "name = \"tiktoken-rs\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$ver" ] || fail "tiktoken-rs is not in Cargo.lock; run 'cargo generate-lockfile' or restore Cargo.lock"

echo "copy-ranks: asking cargo where tiktoken-rs $ver is (downloads it on a first build)" >&2
meta=$(mktemp)
trap 'rm -f "$meta"' EXIT
if ! cargo metadata --format-version 1 --locked >"$meta"; then
  fail "'cargo metadata' failed (its error is above): check that crates.io is reachable and Cargo.lock is current"
fi
# cargo metadata lists every package with its Cargo.toml; the crate folder is that file's directory.
manifest=$(grep -o "\"manifest_path\":\"[^\"]*/tiktoken-rs-$ver/Cargo.toml\"" "$meta" | head -n 1 | cut -d'"' -f4) || true
[ -n "$manifest" ] || fail "cargo metadata does not list tiktoken-rs $ver; is it still a dependency in Cargo.toml?"
src=$(dirname "$manifest")

mkdir -p "$out"
entries=""
for name in r50k_base cl100k_base o200k_base; do
  f="$src/assets/$name.tiktoken"
  [ -s "$f" ] || fail "$f is missing or empty: the tiktoken-rs $ver package no longer ships its rank files"
  cp "$f" "$out/"
  sum=$(sha256sum "$f" | cut -d' ' -f1)
  size=$(stat -c %s "$f")
  entries="$entries${entries:+,}
    {\"name\": \"$name.tiktoken\", \"bytes\": $size, \"sha256\": \"$sum\"}"
done
cat > "$out/manifest.json" <<JSON
{
  "source": "tiktoken-rs",
  "version": "$ver",
  "files": [$entries
  ]
}
JSON
echo "copy-ranks: rank files of tiktoken-rs $ver copied to $out" >&2
