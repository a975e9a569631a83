#!/usr/bin/env bash
# Trunk pre-build hook: copies the tokenizer rank files from the tiktoken-rs crate version pinned in
# Cargo.lock into the build (ranks/), and writes ranks/manifest.json with each file's size and SHA-256.
# The files are never committed by hand: they always match the crate the tests compare against.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${TRUNK_STAGING_DIR:?this script is run by trunk as a build hook}/ranks"
ver=$(awk '$0 == "name = \"tiktoken-rs\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$ver" ] || { echo "copy-ranks: tiktoken-rs is not in Cargo.lock" >&2; exit 1; }
find_src() { ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"tiktoken-rs-$ver" 2>/dev/null | head -n 1; }
src=$(find_src)
if [ -z "$src" ]; then
  echo "copy-ranks: fetching crates to find tiktoken-rs $ver" >&2
  cargo fetch --quiet
  src=$(find_src)
fi
[ -n "$src" ] || { echo "copy-ranks: tiktoken-rs $ver source not found" >&2; exit 1; }
mkdir -p "$out"
entries=""
for name in r50k_base cl100k_base o200k_base; do
  f="$src/assets/$name.tiktoken"
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
