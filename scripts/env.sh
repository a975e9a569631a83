# Sourced by the other scripts (not run): the project root, the PATH every step uses, and how they talk.
# One place, so that setup, serve, test and bench can never disagree about where the tools are.
#
# Tools are looked for where setup.sh puts them: cargo's bin folder (CARGO_HOME's, when it is set — not
# always ~/.cargo) and .tools/ for the npm-installed wasm-opt, both ahead of anything else on PATH.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$CARGO_BIN:$ROOT/.tools/node_modules/.bin:$PATH"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
# Stops with a message on stderr saying what went wrong and what to do.
die() {
  printf '\033[1;31mxx>\033[0m %s\n' "$*" >&2
  exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }
