#!/usr/bin/env bash
# Serves the lab at http://127.0.0.1:8080 (PORT=… to change), installing what is missing first.
#
# The lab is built once before serving (scripts/build.sh): if that build fails, this command fails with the
# build's error, instead of serving an empty page that says "Loading the lab…" forever. While it serves,
# Trunk rebuilds on every change to the sources and keeps the last good build when a rebuild fails.
set -euo pipefail
source "$(dirname "$0")/env.sh"
bash scripts/build.sh
PORT="${PORT:-8080}"
say "serving the lab at http://127.0.0.1:$PORT/ (Ctrl-C to stop)"
exec trunk serve --release --no-autoreload --port "$PORT"
