#!/usr/bin/env bash
# Benchmarks for the README: tokenizer throughput against the JavaScript peers in Chromium on the 10 MB
# corpus, the release build's size, start-up time, the dataset workspace at 50k rows, and near-duplicate
# detection against Python datasketch. Not part of the test command (figures, not pass/fail).
# DATALAB_CORPUS=path overrides the corpus (default: ../shared/corpus/prose-10mb.txt).
set -euo pipefail
source "$(dirname "$0")/env.sh"
bash scripts/setup.sh --bench
bash scripts/build.sh
cd tests/e2e
printf '\033[1;34m==>\033[0m %s\n' "size and start-up"
node bench/startup-and-size.mjs
printf '\033[1;34m==>\033[0m %s\n' "tokenizer throughput, 10 MB corpus, in Chromium"
node bench/tokenizer-bench.mjs
printf '\033[1;34m==>\033[0m %s\n' "tokenizer extension: impact counting and mining, 10 MB corpus, in Chromium"
node bench/extension-bench.mjs
printf '\033[1;34m==>\033[0m %s\n' "dataset workspace: import + validate + hash of 50,000 rows of ~1.5 KB, in Chromium"
node bench/workspace-bench.mjs
printf '\033[1;34m==>\033[0m %s\n' "quality: near-duplicates on 50,000 rows of ~1.5 KB with 5% injected, lab in Chromium vs Python datasketch"
node bench/quality-bench.mjs
printf '\033[1;34m==>\033[0m %s\n' "IMDb: full-size synthetic archive to three CSVs, and the baselines, in Chromium vs the reference on this machine"
node bench/imdb-bench.mjs
printf '\033[1;34m==>\033[0m %s\n' "A/B proxy: 5,000 rows of ~1.5 KB + 500 evaluation rows, three tokenizers, lab in Chromium vs NLTK"
node bench/ab-bench.mjs
printf '\033[1;34m==>\033[0m %s\n' "classroom: Magpie rows per minute against a shared server with 4 slots, at 1 / 2 / 4 parallel requests, vs the notebook's loop"
node bench/classroom-bench.mjs
