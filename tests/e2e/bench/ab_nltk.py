#!/usr/bin/env python3
"""The peer for the A/B lab's proxy benchmark: what a notebook would use, NLTK's KneserNeyInterpolated
(order 3), on the same rows in the same prompt format, tokenized by OpenAI's tiktoken (GPT-2) reading the
lab's own rank files. Training uses every row; NLTK scores about 70 tokens/s, so it scores --score-rows
evaluation rows and the time for all of them is extrapolated (said in the output).

  python ab_nltk.py rows.json eval.json [--score-rows 10]   → one JSON line of seconds and counts
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import time

import tiktoken
import tiktoken.load
import tiktoken_ext.openai_public as public

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../.."))


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


tiktoken.load.read_file_cached = read_local


def prompt(r):
    s = ("Below is an instruction that describes a task. Write a response that appropriately completes the "
         "request.\n\n### Instruction:\n" + r["instruction"])
    if r.get("input"):
        s += "\n\n### Input:\n" + r["input"]
    return s + "\n\n### Response:\n" + r["output"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("train")
    ap.add_argument("eval")
    ap.add_argument("--score-rows", type=int, default=10)
    a = ap.parse_args()
    from nltk.lm import KneserNeyInterpolated
    from nltk.lm.preprocessing import pad_both_ends, padded_everygram_pipeline

    enc = tiktoken.Encoding(**public.r50k_base())
    train = json.load(open(a.train))
    ev = json.load(open(a.eval))
    t = time.perf_counter()
    train_tok = [[str(x) for x in enc.encode_ordinary(prompt(r))] for r in train]
    ev_tok = [[str(x) for x in enc.encode_ordinary(prompt(r))] for r in ev]
    tokenize_s = time.perf_counter() - t
    t = time.perf_counter()
    ngrams, vocab = padded_everygram_pipeline(3, train_tok)
    lm = KneserNeyInterpolated(3)
    lm.fit(ngrams, vocab)
    train_s = time.perf_counter() - t
    t = time.perf_counter()
    scored = 0
    for row in ev_tok[: a.score_rows]:
        padded = list(pad_both_ends(row, n=3))
        for i in range(2, len(padded)):
            lm.score(padded[i], padded[i - 2:i])
            scored += 1
    score_s = time.perf_counter() - t
    eval_tokens = sum(len(r) + 1 for r in ev_tok)
    print(json.dumps({
        "train_rows": len(train), "train_tokens": sum(len(r) for r in train_tok),
        "eval_rows": len(ev), "eval_tokens": eval_tokens,
        "tokenize_s": tokenize_s, "train_s": train_s,
        "scored_tokens": scored, "score_s": score_s,
        "score_all_s_extrapolated": score_s * eval_tokens / max(scored, 1),
    }))


if __name__ == "__main__":
    main()
