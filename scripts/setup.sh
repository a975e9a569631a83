#!/usr/bin/env bash
# Installs what the lab needs to build (and, with --browser, to test), skipping whatever is already there
# at the right version. Safe to run again and again. Only package registries are used: crates.io, npm,
# PyPI, Debian's apt — never a download of a prebuilt binary from elsewhere.
#
#   scripts/setup.sh            Rust wasm32 target, Trunk, wasm-bindgen-cli, wasm-opt
#   scripts/setup.sh --browser  also Chromium + chromedriver (apt), the browser-test npm packages, the
#                               portfolio's Python readers (mlcroissant, datasets, pandas, tiktoken) in .tools/venv,
#                               and the in-page model's references (llama-cpp-python, gguf, jinja2) in .tools/model-venv
#   scripts/setup.sh --bench    --browser, and the benchmarks' Python peers from PyPI (datasketch, nltk, tiktoken)
#
# Every step checks its own result: a tool that installs but is not the one found on PATH afterwards (an
# older copy earlier on PATH, say) stops the script with a message, rather than failing later in a build.
# Nothing here relies on a previous run, a warm cargo cache or a PATH entry the user set up by hand.
set -euo pipefail
source "$(dirname "$0")/env.sh"

TRUNK_VERSION="0.21.14"      # 0.22 needs a newer rustc than this machine has
BINARYEN_VERSION="132.0.0"   # Debian's binaryen (108) builds a wasm that crashes at start-up: never use it
DATASKETCH_VERSION="2.0.0"   # pinned: the README's near-duplicate baseline figure is for this version
NLTK_VERSION="3.10.4"        # the A/B proxy benchmark's peer (nltk.lm)
TIKTOKEN_VERSION="0.14.0"    # tokenizes that peer's rows, as the token fixtures were made
# The portfolio pack's consumers, which the end-to-end tests run on an exported pack (a virtualenv in .tools/):
RELEASE_PINS="mlcroissant==1.1.1 datasets==5.2.0 pandas==3.1.1 tiktoken==$TIKTOKEN_VERSION"
# The in-page model's references (tests/model.rs): llama.cpp itself (llama-cpp-python, compiled from its
# PyPI source: ~10 minutes on 2 cores the first time, then pip's wheel cache has it), llama.cpp's GGUF
# writer, and jinja2 for the chat templates (a virtualenv of our own in .tools/model-venv).
MODEL_PINS="llama-cpp-python==0.3.36 gguf==0.19.0 numpy==2.4.6 jinja2==3.1.6"
MODE="${1:-}"
case "$MODE" in
  "" | --browser | --bench) ;;
  *) die "unknown option '$MODE' (use --browser or --bench, or nothing)" ;;
esac

SUDO=""
if [ "$(id -u)" != 0 ]; then
  SUDO="sudo"
fi
apt_updated=0
apt_install() {
  if [ "$(id -u)" != 0 ] && ! have sudo; then
    die "'$*' must be installed with apt-get, which needs root: run 'apt-get install $*' as root, then this again"
  fi
  have apt-get || die "'$*' is missing and this is not a Debian-like system (no apt-get): install it with your package manager"
  if [ "$apt_updated" = 0 ]; then
    say "apt-get update"
    $SUDO apt-get update -qq
    apt_updated=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}
# Cargo.lock's version of a package, so the tools always match what the build links.
locked_version() {
  awk -v name="name = \"$1\"" '$0 == name { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

# Rust itself comes from rustup, which only the user can install; everything else this script can do.
have cargo || die "cargo is missing: install Rust with rustup first (https://rustup.rs), then run this again"
have rustup || die "rustup is missing (cargo is there, from '$(command -v cargo)'): the wasm32 target is added with
    rustup; install Rust with rustup (https://rustup.rs) and put it first on PATH"
# The build hooks and scripts use these; Debian has them, minimal images sometimes do not.
for tool in awk perl sha256sum grep; do
  have "$tool" || die "'$tool' is missing; the build hooks need it (Debian: apt-get install perl coreutils mawk grep)"
done
# Trunk and wasm-bindgen-cli link C code (ring, zstd) when cargo builds them.
have cc || apt_install gcc libc6-dev

targets="$(rustup target list --installed)"
if grep -qx wasm32-unknown-unknown <<<"$targets"; then
  say "wasm32-unknown-unknown target: present"
else
  say "adding the wasm32-unknown-unknown target (rustup)"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(trunk --version 2>/dev/null)" = "trunk $TRUNK_VERSION" ]; then
  say "trunk $TRUNK_VERSION: present"
else
  say "installing trunk $TRUNK_VERSION from crates.io into $CARGO_BIN (takes ~10 minutes on 2 cores, once)"
  cargo install --locked trunk --version "$TRUNK_VERSION"
  found="$(trunk --version 2>/dev/null || true)"
  [ "$found" = "trunk $TRUNK_VERSION" ] ||
    die "trunk $TRUNK_VERSION was installed into $CARGO_BIN, but the trunk on PATH is '$(command -v trunk)' ($found): remove that one"
fi

# wasm-bindgen-cli must be exactly the wasm-bindgen version in Cargo.lock.
WBG_VERSION=$(locked_version wasm-bindgen)
[ -n "$WBG_VERSION" ] || die "wasm-bindgen is not in Cargo.lock; restore Cargo.lock from git"
# Trunk (offline) insists on the version Trunk.toml names: the two must agree, or every build fails.
TRUNK_WBG=$(sed -n 's/^wasm_bindgen = "\(.*\)"$/\1/p' Trunk.toml)
[ "$TRUNK_WBG" = "$WBG_VERSION" ] ||
  die "Trunk.toml asks for wasm-bindgen '$TRUNK_WBG' but Cargo.lock has $WBG_VERSION: set wasm_bindgen = \"$WBG_VERSION\" in Trunk.toml"
if [ "$(wasm-bindgen --version 2>/dev/null)" = "wasm-bindgen $WBG_VERSION" ]; then
  say "wasm-bindgen-cli $WBG_VERSION: present"
else
  say "installing wasm-bindgen-cli $WBG_VERSION from crates.io into $CARGO_BIN (takes ~6 minutes, once)"
  # Not --locked: one of its locked dependencies is no longer on the registry.
  cargo install wasm-bindgen-cli --version "$WBG_VERSION"
  found="$(wasm-bindgen --version 2>/dev/null || true)"
  [ "$found" = "wasm-bindgen $WBG_VERSION" ] ||
    die "wasm-bindgen-cli $WBG_VERSION was installed into $CARGO_BIN, but the one on PATH is '$(command -v wasm-bindgen)' ($found): remove that one"
fi

# Node.js runs npm (wasm-opt, the browser tests); playwright-core needs Node 18 or newer.
have npm || apt_install nodejs npm
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$node_major" -ge 18 ] || die "Node.js $(node --version 2>/dev/null) is too old: 18 or newer is needed"
if .tools/node_modules/.bin/wasm-opt --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*}"; then
  say "wasm-opt (binaryen $BINARYEN_VERSION from npm): present"
else
  say "installing wasm-opt: binaryen $BINARYEN_VERSION from npm into .tools/"
  mkdir -p .tools
  [ -f .tools/package.json ] || echo '{ "private": true }' > .tools/package.json
  (cd .tools && npm install --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION")
  .tools/node_modules/.bin/wasm-opt --version | grep -q "version ${BINARYEN_VERSION%%.*}" ||
    die "binaryen $BINARYEN_VERSION installed but .tools/node_modules/.bin/wasm-opt does not run: delete .tools/ and run this again"
fi
# Trunk takes the first wasm-opt on PATH; it must be ours (a system binaryen 108 breaks the build).
case "$(command -v wasm-opt)" in
  "$ROOT/.tools/node_modules/.bin/wasm-opt") ;;
  *) die "the wasm-opt on PATH is '$(command -v wasm-opt)', not .tools/'s binaryen $BINARYEN_VERSION" ;;
esac

if [ "$MODE" = "--browser" ] || [ "$MODE" = "--bench" ]; then
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    say "chromium and chromedriver: present ($(/usr/bin/chromium --version 2>/dev/null | head -n 1))"
  else
    apt_install chromium chromium-driver
    [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] ||
      die "apt installed chromium and chromium-driver, but /usr/bin/chromium or /usr/bin/chromedriver is missing"
  fi
  if [ -d tests/e2e/node_modules/playwright-core ] && [ tests/e2e/node_modules/.package-lock.json -nt tests/e2e/package-lock.json ]; then
    say "browser-test npm packages: present"
  else
    say "installing browser-test npm packages (playwright-core, tokenizer peers for the benchmark)"
    (cd tests/e2e && npm ci --no-audit --no-fund --silent)
  fi
  # The tools a student opens an exported portfolio with: Hugging Face datasets, mlcroissant, pandas and
  # tiktoken, in a virtualenv of our own (Debian's Python refuses pip installs into the system).
  if [ -f .tools/venv/.pins ] && [ "$(cat .tools/venv/.pins)" = "$RELEASE_PINS" ] && .tools/venv/bin/python -c "import mlcroissant, datasets, pandas, tiktoken" 2>/dev/null; then
    say "portfolio consumers (Python: $RELEASE_PINS): present"
  else
    have python3 || apt_install python3
    python3 -c "import ensurepip, venv" 2>/dev/null || apt_install python3-venv
    say "installing the portfolio's consumers from PyPI into .tools/venv: $RELEASE_PINS (a few minutes the first time)"
    rm -rf .tools/venv
    python3 -m venv .tools/venv
    .tools/venv/bin/python -m pip install --quiet --disable-pip-version-check $RELEASE_PINS ||
      die "pip could not install $RELEASE_PINS into .tools/venv (is PyPI reachable?)"
    .tools/venv/bin/python -c "import mlcroissant, datasets, pandas, tiktoken" ||
      die ".tools/venv has the packages but they do not import: delete .tools/venv and run this again"
    echo "$RELEASE_PINS" > .tools/venv/.pins
  fi
  if [ -f .tools/model-venv/.pins ] && [ "$(cat .tools/model-venv/.pins)" = "$MODEL_PINS" ] && .tools/model-venv/bin/python -c "import llama_cpp, gguf, jinja2" 2>/dev/null; then
    say "model references (Python: $MODEL_PINS): present"
  else
    have python3 || apt_install python3
    python3 -c "import ensurepip, venv" 2>/dev/null || apt_install python3-venv
    have c++ || apt_install g++
    say "installing the model references from PyPI into .tools/model-venv: $MODEL_PINS (llama.cpp compiles from source: ~10 minutes the first time)"
    rm -rf .tools/model-venv
    python3 -m venv .tools/model-venv
    CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" .tools/model-venv/bin/python -m pip install --quiet --disable-pip-version-check $MODEL_PINS ||
      die "pip could not build or install $MODEL_PINS into .tools/model-venv (is PyPI reachable? is a C++ compiler installed?)"
    .tools/model-venv/bin/python -c "import llama_cpp, gguf, jinja2" ||
      die ".tools/model-venv has the packages but they do not import: delete .tools/model-venv and run this again"
    echo "$MODEL_PINS" > .tools/model-venv/.pins
  fi
fi
if [ "$MODE" = "--bench" ]; then
  # The benchmarks' Python peers, pinned: the README's figures are for these versions.
  for pkg in "datasketch==$DATASKETCH_VERSION" "nltk==$NLTK_VERSION" "tiktoken==$TIKTOKEN_VERSION"; do
    name=${pkg%%==*} version=${pkg##*==}
    if python3 -c "import importlib.metadata as m, sys; sys.exit(m.version('$name') != '$version')" 2>/dev/null; then
      say "$name $version (Python): present"
      continue
    fi
    have python3 || apt_install python3
    python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
    say "installing $name $version from PyPI for the current user (pip install --user)"
    # --user leaves the system's packages alone; inside a virtualenv there is no user site, so plain.
    USER_FLAG=$(python3 -c 'import sys; print("" if sys.prefix != sys.base_prefix else "--user")')
    # Debian's own Python refuses pip outside a virtualenv (PEP 668, "externally-managed-environment")
    # unless told otherwise; a --user install writes only under ~/.local, never into the system's packages.
    python3 -m pip install $USER_FLAG --quiet "$pkg" 2>/dev/null ||
      python3 -m pip install $USER_FLAG --quiet --break-system-packages "$pkg"
  done
fi
say "setup done"
