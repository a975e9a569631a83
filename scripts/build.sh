#!/usr/bin/env bash
# Builds the lab into dist/ as static files (trunk build --release), installing what is missing first.
# Copy dist/ to any static host, under any sub-path. A failed build fails this command, with what to do.
set -euo pipefail
source "$(dirname "$0")/env.sh"
bash scripts/setup.sh
say "building the lab into dist/ (trunk build --release; the first build takes several minutes)"
if ! trunk build --release; then
  die "the build failed (its error is above). Fix that error — or, if a tool is missing, run
    'bash scripts/setup.sh' — then run this command again."
fi
[ -s dist/index.html ] || die "the build said it succeeded but dist/index.html is missing or empty"
say "built: dist/ ($(du -sh dist | cut -f1))"
