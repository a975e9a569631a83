#!/usr/bin/env bash
# Serves the lab at http://127.0.0.1:8080, installing what is missing first.
#
#   scripts/serve.sh                    this computer only (http://127.0.0.1:8080)
#   scripts/serve.sh --host 0.0.0.0     the whole room: students open http://<this machine's LAN address>:8080
#   scripts/serve.sh --port 9000        another port (or PORT=9000; HOST=… works too)
#
# The lab is built once before serving (scripts/build.sh): if that build fails, this command fails with the
# build's error, instead of serving an empty page that says "Loading the lab…" forever. While it serves,
# Trunk rebuilds on every change to the sources and keeps the last good build when a rebuild fails.
set -euo pipefail
source "$(dirname "$0")/env.sh"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8080}"
while [ $# -gt 0 ]; do
  case "$1" in
    --host) [ $# -ge 2 ] || die "--host needs an address, e.g. --host 0.0.0.0 (every network interface)"; HOST="$2"; shift 2 ;;
    --host=*) HOST="${1#--host=}"; shift ;;
    --port) [ $# -ge 2 ] || die "--port needs a number, e.g. --port 8080"; PORT="$2"; shift 2 ;;
    --port=*) PORT="${1#--port=}"; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) die "unknown option $1 (try --host 0.0.0.0 to serve the room, --port N for another port)" ;;
  esac
done
case "$PORT" in ''|*[!0-9]*) die "--port must be a number, got '$PORT'" ;; esac
bash scripts/build.sh
if [ "$HOST" = "127.0.0.1" ] || [ "$HOST" = "localhost" ]; then
  say "serving the lab at http://127.0.0.1:$PORT/ (Ctrl-C to stop)"
else
  say "serving the lab on $HOST, port $PORT, to the network (Ctrl-C to stop)"
  lan="$(hostname -I 2>/dev/null || true)"
  for ip in $lan; do
    case "$ip" in *:*) continue ;; esac
    say "  students open http://$ip:$PORT/ — allow that origin in Ollama: OLLAMA_ORIGINS=http://$ip:$PORT"
  done
  [ -n "$lan" ] || say "  students open http://<this machine's LAN address>:$PORT/ (ipconfig getifaddr en0 on macOS, ipconfig on Windows)"
fi
exec trunk serve --release --no-autoreload --address "$HOST" --port "$PORT"
