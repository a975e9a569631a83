#!/usr/bin/env bash
# Does what a new user's first `scripts/serve.sh` does on a machine that has never built the project, and
# checks the served lab in Chromium. Run by scripts/test.sh (so by CI); also by hand:
#
#   scripts/check-fresh-machine.sh          the working tree's tracked and new files (what a commit would hold)
#   scripts/check-fresh-machine.sh REV      a commit, e.g. an old one, to show a defect this check catches
#
# "Fresh" here means: a copy of the sources with no target/, dist/, .tools/ or node_modules; an empty HOME;
# an empty CARGO_HOME whose bin/ holds only rustup's proxies (cargo, rustc, rustup), so that no crate is
# in a registry cache and nothing from ~/.cargo/bin is on PATH; and an environment with nothing else in it.
# Two things are taken from this machine, because installing them again would cost ~16 minutes of
# compiling that proves nothing about the project: the Rust toolchain (RUSTUP_HOME, with the wasm32 target)
# and the trunk and wasm-bindgen binaries that scripts/setup.sh installed, on PATH from a folder of their own.
# Everything else — crates, wasm-opt from npm, the build hooks, the build — happens as on a new machine.
set -euo pipefail
source "$(dirname "$0")/env.sh"
REV="${1:-}"
LIMIT_MIN="${DATALAB_FRESH_LIMIT_MIN:-30}"

for tool in trunk wasm-bindgen cargo rustup node; do
  have "$tool" || die "$tool is not on PATH: run scripts/setup.sh first (this check borrows its tools)"
done
[ -d tests/e2e/node_modules/playwright-core ] || die "playwright-core is missing: run scripts/setup.sh --browser first"

work=$(mktemp -d "${TMPDIR:-/tmp}/datalab-fresh.XXXXXX")
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill -- -"$server_pid" 2>/dev/null || kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

src="$work/datalab"
mkdir -p "$src"
if [ -n "$REV" ]; then
  say "fresh-machine check of commit $REV"
  git archive "$REV" | tar -x -C "$src"
else
  say "fresh-machine check of the working tree (tracked files and new files git does not ignore)"
  git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
    [ -e "$f" ] && printf '%s\0' "$f"
  done | tar --null -T - -cf - | tar -x -C "$src"
fi

home="$work/home"
mkdir -p "$home/.cargo/bin" "$work/tools"
for p in cargo rustc rustup rustdoc; do
  ln -s "$(command -v "$p")" "$home/.cargo/bin/$p"
done
ln -s "$(command -v trunk)" "$work/tools/trunk"
ln -s "$(command -v wasm-bindgen)" "$work/tools/wasm-bindgen"
rustup_home="$(rustup show home)"
port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')

say "running scripts/serve.sh there (empty HOME and CARGO_HOME; log: $work/serve.log)"
# setsid: the server and everything it starts form one process group, stopped together at the end.
setsid env -i HOME="$home" CARGO_HOME="$home/.cargo" RUSTUP_HOME="$rustup_home" \
  PATH="$work/tools:/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin" \
  LANG=C.UTF-8 PORT="$port" \
  bash "$src/scripts/serve.sh" >"$work/serve.log" 2>&1 </dev/null &
server_pid=$!

url="http://127.0.0.1:$port/"
deadline=$((SECONDS + LIMIT_MIN * 60))
# Served means the built page: its start-up script (written by the link-bundles hook) is linked.
until node -e 'fetch(process.argv[1]).then((r) => r.text()).then((t) => process.exit(/src="\.\/boot-[0-9a-f]+\.js"/.test(t) ? 0 : 1), () => process.exit(1))' "$url"; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    wait "$server_pid" && status=0 || status=$?
    tail -n 40 "$work/serve.log" >&2
    die "fresh-machine check: scripts/serve.sh exited with status $status before serving the lab (log above)"
  fi
  # Trunk logs a failed build as ERROR and, in old versions of serve.sh, went on serving nothing.
  if grep -q "ERROR" "$work/serve.log"; then
    tail -n 40 "$work/serve.log" >&2
    die "fresh-machine check: the build failed under scripts/serve.sh (log above)"
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    tail -n 40 "$work/serve.log" >&2
    die "fresh-machine check: nothing served at $url after $LIMIT_MIN minutes (log above)"
  fi
  sleep 5
done
say "scripts/serve.sh serves $url after ${SECONDS}s; checking the page in Chromium"
if ! (cd tests/e2e && node lib/check-served.mjs "$url"); then
  tail -n 40 "$work/serve.log" >&2
  die "fresh-machine check: the served lab does not work (log above)"
fi
grep -q "copy-ranks: rank files of tiktoken-rs" "$work/serve.log" ||
  die "fresh-machine check: the copy-ranks hook did not report copying the rank files"
say "fresh-machine check passed: a first serve from nothing built and served a working lab"
