#!/usr/bin/env bash
# Installs what the lab needs to build (and, with --browser, to test), skipping whatever is already there
# at the right version. Safe to run again and again. Only package registries are used: crates.io, npm,
# Debian's apt — never a download of a prebuilt binary from elsewhere.
#
#   scripts/setup.sh            Rust wasm32 target, Trunk, wasm-bindgen-cli, wasm-opt
#   scripts/setup.sh --browser  also Chromium + chromedriver (apt) and the browser-test npm packages
#   scripts/setup.sh --bench    --browser, and Python datasketch (PyPI), the near-duplicate benchmark's baseline
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

TRUNK_VERSION="0.21.14"      # 0.22 needs a newer rustc than this machine has
BINARYEN_VERSION="132.0.0"   # Debian's binaryen (108) builds a wasm that crashes at start-up: never use it
DATASKETCH_VERSION="2.0.0"   # pinned: the README's near-duplicate baseline figure is for this version
MODE="${1:-}"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    say "apt-get update"
    $SUDO apt-get update -qq
    apt_updated=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

export PATH="$HOME/.cargo/bin:$ROOT/.tools/node_modules/.bin:$PATH"

have cargo || { echo "cargo is missing: install Rust with rustup first (https://rustup.rs)" >&2; exit 1; }

if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "wasm32-unknown-unknown target: present"
else
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(trunk --version 2>/dev/null)" = "trunk $TRUNK_VERSION" ]; then
  say "trunk $TRUNK_VERSION: present"
else
  say "installing trunk $TRUNK_VERSION from crates.io (takes ~10 minutes on 2 cores, once)"
  cargo install --locked trunk --version "$TRUNK_VERSION"
fi

# wasm-bindgen-cli must be exactly the wasm-bindgen version in Cargo.lock.
WBG_VERSION=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null)" = "wasm-bindgen $WBG_VERSION" ]; then
  say "wasm-bindgen-cli $WBG_VERSION: present"
else
  say "installing wasm-bindgen-cli $WBG_VERSION from crates.io (takes ~6 minutes, once)"
  # Not --locked: one of its locked dependencies is no longer on the registry.
  cargo install wasm-bindgen-cli --version "$WBG_VERSION"
fi

if ! have npm; then
  apt_install nodejs npm
fi
if .tools/node_modules/.bin/wasm-opt --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*}"; then
  say "wasm-opt (binaryen $BINARYEN_VERSION from npm): present"
else
  say "installing wasm-opt: binaryen $BINARYEN_VERSION from npm into .tools/"
  mkdir -p .tools
  [ -f .tools/package.json ] || echo '{ "private": true }' > .tools/package.json
  (cd .tools && npm install --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION")
fi

if [ "$MODE" = "--browser" ] || [ "$MODE" = "--bench" ]; then
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    say "chromium and chromedriver: present ($(/usr/bin/chromium --version 2>/dev/null | head -n 1))"
  else
    apt_install chromium chromium-driver
  fi
  if [ -d tests/e2e/node_modules/playwright-core ] && [ tests/e2e/node_modules/.package-lock.json -nt tests/e2e/package-lock.json ]; then
    say "browser-test npm packages: present"
  else
    say "installing browser-test npm packages (playwright-core, tokenizer peers for the benchmark)"
    (cd tests/e2e && npm ci --no-audit --no-fund --silent)
  fi
fi
if [ "$MODE" = "--bench" ]; then
  if python3 -c "import datasketch, sys; sys.exit(datasketch.__version__ != '$DATASKETCH_VERSION')" 2>/dev/null; then
    say "datasketch $DATASKETCH_VERSION (Python): present"
  else
    python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
    say "installing datasketch $DATASKETCH_VERSION from PyPI for the current user (pip install --user)"
    # --user leaves the system's packages alone; inside a virtualenv there is no user site, so plain.
    USER_FLAG=$(python3 -c 'import sys; print("" if sys.prefix != sys.base_prefix else "--user")')
    # Debian's own Python refuses pip outside a virtualenv (PEP 668, "externally-managed-environment")
    # unless told otherwise; a --user install writes only under ~/.local, never into the system's packages.
    python3 -m pip install $USER_FLAG --quiet "datasketch==$DATASKETCH_VERSION" 2>/dev/null ||
      python3 -m pip install $USER_FLAG --quiet --break-system-packages "datasketch==$DATASKETCH_VERSION"
  fi
fi
say "setup done"
