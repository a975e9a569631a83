#!/usr/bin/env bash
# Trunk post-build hook: gives each lab bundle (src/bin/lab-*.rs, one wasm module and its JS glue each) a
# content-hashed file name, so caches never mix bundles of two builds, and writes the start-up
# script (static/boot.js) with the bundles' file names filled in, under a hashed name of its own.
set -euo pipefail
dir="${TRUNK_STAGING_DIR:?run by trunk as a post_build hook}"
src="${TRUNK_SOURCE_DIR:?run by trunk as a post_build hook}"
html="$dir/index.html"
fail() { echo "link-bundles: $*" >&2; exit 1; }

hash() { cat "$@" | sha256sum | cut -c1-16; }
entries=()
for wasm in "$dir"/lab-*_bg.wasm; do
  [ -e "$wasm" ] || fail "no lab bundle in $dir (index.html must list the src/bin/lab-*.rs bins)"
  base=$(basename "$wasm" _bg.wasm)
  js="$dir/$base.js"
  [ -f "$js" ] || fail "$(basename "$wasm") has no $base.js beside it"
  # Trunk hashes the "main" module's names itself ("lab-tokens-<hex>") and leaves the others plain: one
  # scheme for all. Bundle names are one word, so the first dash after "lab-" starts Trunk's hash.
  name=$(echo "$base" | sed -E 's/^(lab-[a-z0-9]+)(-[0-9a-f]+)?$/\1/')
  h=$(hash "$js" "$wasm")
  [ "$base" = "$name-$h" ] || { mv "$js" "$dir/$name-$h.js"; mv "$wasm" "$dir/$name-${h}_bg.wasm"; }
  entries+=("\"${name#lab-}\": [\"./$name-$h.js\", \"./$name-${h}_bg.wasm\"]")
done
files="{ $(printf '%s, ' "${entries[@]}" | sed 's/, $//') }"

template="$src/static/boot.js"
[ -f "$template" ] || fail "missing $template"
grep -q '^const FILES = {}; // datalab:files$' "$template" || fail "$template lost its FILES line"
FILES="$files" perl -pe 's{^const FILES = \{\}; // datalab:files$}{const FILES = $ENV{FILES};}' "$template" > "$dir/boot.tmp"
boot="boot-$(hash "$dir/boot.tmp").js"
mv "$dir/boot.tmp" "$dir/$boot"

grep -q '<script type="module" src="boot.js"></script>' "$html" || fail "index.html has no <script type=\"module\" src=\"boot.js\">"
BOOT="$boot" perl -0777 -i -pe 's{<script type="module" src="boot.js"></script>}{<script type="module" src="./$ENV{BOOT}"></script>}' "$html"
# With inject_scripts = false, Trunk leaves its own <link data-trunk rel="rust"> for the "main" bundle behind.
perl -0777 -i -pe 's{\s*<link data-trunk rel="rust"[^>]*/?>}{}g' "$html"
! grep -q 'data-trunk' "$html" || fail "index.html still has a data-trunk element"
echo "link-bundles: ${#entries[@]} bundles, start-up script $boot"
