#!/usr/bin/env python3
"""Reference timings for the A/B lab's n-gram model (src/core/ab/ngram): what a notebook would use instead.

Times NLTK's nltk.lm.KneserNeyInterpolated (training, then scoring held-out sentences) and, if an ARPA
file is given, the kenlm module's query (Model.score) on a token file: one sentence of space-separated
token ids per line, e.g. tests/fixtures/ab/generated/corpus.txt (written by
`DATALAB_WRITE_ARPA=1 cargo test --test ngram_vs_kenlm`). NLTK is very slow (pure Python, and its
Kneser-Ney recurses through every lower order for each word), so --rows trains on a subset and
--score-rows scores a few more sentences after them; the output is tokens per second.

  python3 -m venv /tmp/venv-kenlm && /tmp/venv-kenlm/bin/pip install nltk kenlm
  /tmp/venv-kenlm/bin/python scripts/bench-ngram.py tests/fixtures/ab/generated/corpus.txt --rows 2000 \
      --arpa tests/fixtures/ab/generated/model-o3.arpa

NLTK's model is not KenLM's (it interpolates differently and has no lmplz discounts), so only its speed is
compared, not its numbers.
"""
import argparse
import json
import math
import time


def read_rows(path):
    with open(path, encoding="utf-8") as f:
        return [line.split() for line in f]


def bench_nltk(train, test, order):
    from nltk.lm import KneserNeyInterpolated
    from nltk.lm.preprocessing import pad_both_ends, padded_everygram_pipeline

    t = time.perf_counter()
    ngrams, vocab = padded_everygram_pipeline(order, train)
    lm = KneserNeyInterpolated(order)
    lm.fit(ngrams, vocab)
    train_s = time.perf_counter() - t

    t = time.perf_counter()
    total, zeros = 0.0, 0
    for row in test:
        padded = list(pad_both_ends(row, n=order))
        for i in range(order - 1, len(padded)):
            p = lm.score(padded[i], padded[i - order + 1:i])
            if p > 0:
                total += math.log10(p)
            else:  # NLTK gives an unseen word (its <UNK>) probability 0
                zeros += 1
    score_s = time.perf_counter() - t
    return train_s, score_s, total, zeros


def bench_kenlm(arpa, test):
    import kenlm

    model = kenlm.Model(arpa)
    lines = [" ".join(row) for row in test]
    t = time.perf_counter()
    total = sum(model.score(s, bos=True, eos=True) for s in lines)
    return time.perf_counter() - t, total


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tokens", help="one sentence of space-separated token ids per line")
    ap.add_argument("--order", type=int, default=3)
    ap.add_argument("--rows", type=int, default=None, help="train on the first N rows (default: all)")
    ap.add_argument("--score-rows", type=int, default=200, help="score this many rows after the training rows")
    ap.add_argument("--arpa", help="also time kenlm's query of this ARPA file on the scored rows")
    ap.add_argument("--skip-nltk", action="store_true")
    args = ap.parse_args()

    rows = read_rows(args.tokens)
    n = len(rows) if args.rows is None else min(args.rows, len(rows))
    train, test = rows[:n], rows[n:n + args.score_rows] or rows[:args.score_rows]
    n_train = sum(len(r) for r in train)
    n_test = sum(len(r) for r in test)
    result = {"order": args.order, "train_rows": len(train), "train_tokens": n_train, "score_tokens": n_test}
    if not args.skip_nltk:
        import nltk

        train_s, score_s, total, zeros = bench_nltk(train, test, args.order)
        result["nltk"] = {
            "version": nltk.__version__,
            "train_s": round(train_s, 3),
            "train_tokens_per_s": round(n_train / train_s),
            "score_s": round(score_s, 3),
            "score_tokens_per_s": round(n_test / score_s),
            "log10_total_of_nonzero": total,
            "zero_probability_tokens": zeros,
        }
    if args.arpa:
        score_s, total = bench_kenlm(args.arpa, test)
        result["kenlm_query"] = {
            "score_s": round(score_s, 4),
            "score_tokens_per_s": round(n_test / score_s),
            "log10_total": total,
        }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
