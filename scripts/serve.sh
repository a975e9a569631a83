#!/usr/bin/env bash
# Serves the lab at http://127.0.0.1:8080 (PORT=… to change), installing what is missing first.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$ROOT/.tools/node_modules/.bin:$PATH"
PORT="${PORT:-8080}"
printf '\033[1;34m==>\033[0m building and serving the lab at http://127.0.0.1:%s/ (Ctrl-C to stop; the first build takes a few minutes)\n' "$PORT"
exec trunk serve --release --no-autoreload --port "$PORT"
