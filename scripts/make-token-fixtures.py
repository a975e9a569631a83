#!/usr/bin/env python3
"""Writes tests/fixtures/token-counts.json: reference token counts computed by OpenAI's Python tiktoken.

The browser tests compare the lab's counts with these, so the reference is independent of our Rust code.
tiktoken normally downloads its rank files; here it reads the very files the lab serves (those of the
tiktoken-rs crate pinned in Cargo.lock), and tiktoken itself checks their SHA-256 against OpenAI's.

Run: pip install tiktoken==0.14.0 && python3 scripts/make-token-fixtures.py
"""
import hashlib
import json
import os
import subprocess
import sys

import tiktoken
import tiktoken.load
import tiktoken_ext.openai_public as public

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def assets_dir():
    meta = json.loads(subprocess.check_output(["cargo", "metadata", "--format-version", "1"], cwd=ROOT))
    pkg = next(p for p in meta["packages"] if p["name"] == "tiktoken-rs")
    return os.path.join(os.path.dirname(pkg["manifest_path"]), "assets")


ASSETS = assets_dir()


def read_local(blobpath, expected_hash=None):
    name = blobpath.rsplit("/", 1)[-1]
    with open(os.path.join(ASSETS, name), "rb") as f:
        data = f.read()
    if expected_hash and hashlib.sha256(data).hexdigest() != expected_hash:
        sys.exit(f"{name}: SHA-256 differs from OpenAI's published file")
    return data


tiktoken.load.read_file_cached = read_local  # no network: the crate's copies, hash-checked by tiktoken

ENCODINGS = {
    "gpt2": tiktoken.Encoding(**public.r50k_base()),
    "cl100k_base": tiktoken.Encoding(**public.cl100k_base()),
    "o200k_base": tiktoken.Encoding(**public.o200k_base()),
}

SAMPLES = {
    "notebook": "Hello, MyNewToken_1 is a new token. <|endoftext|>",
    "mixed": "Tokenizers don't read words; they read bytes.\nKubernetes, pharmacokinetics, GPT-4o, 1234567.\n"
    "“Curly quotes”, café, naïve, Straße, 日本語, 😀👍🏽 — and\ttabs,   spaces\n.",
    "code": "def add(a, b):\n    return a + b  # sum\n\nprint(add(2, 40))\n",
    "whitespace": "  two leading spaces\n\n\nthree newlines\t\ttabs   trailing   ",
}

# A ~5 MB text the browser test builds the same way: PARAGRAPH repeated BIG_REPEAT times.
PARAGRAPH = (
    "Synthetic volume without quality control can hurt more than help. We keep every row traceable, "
    "score it with gates, and remove near-duplicates before training; tokens saved on domain terms such as "
    "Kubernetes or pharmacokinetics add up over 50,000 records.\n\n"
)
BIG_REPEAT = 5_000_000 // len(PARAGRAPH.encode()) + 1


def main():
    out = {
        "tiktoken_version": tiktoken.__version__,
        "samples": {},
        "big": {"paragraph": PARAGRAPH, "repeat": BIG_REPEAT, "counts": {}},
        "special_ids": {},
    }
    for key, text in SAMPLES.items():
        out["samples"][key] = {
            "text": text,
            "counts": {n: len(e.encode_ordinary(text)) for n, e in ENCODINGS.items()},
        }
    big = PARAGRAPH * BIG_REPEAT
    out["big"]["counts"] = {n: len(e.encode_ordinary(big)) for n, e in ENCODINGS.items()}
    for n, e in ENCODINGS.items():
        out["special_ids"][n] = e.encode(SAMPLES["notebook"], allowed_special="all")
    path = os.path.join(ROOT, "tests", "fixtures", "token-counts.json")
    with open(path, "w") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
