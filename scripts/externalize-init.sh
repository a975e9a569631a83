#!/usr/bin/env bash
# Trunk post-build hook: moves Trunk's inline start-up <script> into its own file, so the built page runs
# under the strict Content-Security-Policy in index.html (script-src 'self' — no inline script, no hash that
# changes with every build). The file name carries a hash of its content, so caches never serve a stale one.
set -euo pipefail
dir="${TRUNK_STAGING_DIR:?run by trunk as a post_build hook}"
html="$dir/index.html"
n=0
# Each inline script (one without src=) is written to boot-N.js and replaced by a reference to it.
while perl -0777 -e '
  my $html = do { local $/; <STDIN> };
  exit 1 unless $html =~ m{<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>}s;
  print $2;
' < "$html" > "$dir/boot.tmp"; do
  sum=$(sha256sum "$dir/boot.tmp" | cut -c1-16)
  name="boot-$sum.js"
  mv "$dir/boot.tmp" "$dir/$name"
  NAME="$name" perl -0777 -i -pe '
    s{<script(?![^>]*\bsrc=)([^>]*)>.*?</script>}{<script$1 src="./$ENV{NAME}"></script>}s
  ' "$html"
  n=$((n + 1))
  if [ "$n" -gt 5 ]; then echo "externalize-init: too many inline scripts" >&2; exit 1; fi
done
rm -f "$dir/boot.tmp"
echo "externalize-init: moved $n inline script(s) out of index.html"
