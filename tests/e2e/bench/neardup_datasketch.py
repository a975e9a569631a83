"""Near-duplicate baseline for the quality benchmark: Python datasketch on the same documents as the lab.

    python3 bench/neardup_datasketch.py TEXTS.json [--naive]

TEXTS.json is a JSON array of strings: the documents exactly as the lab sees them
(instruction + "\\n" + input + "\\n" + output). Prints one JSON object on stdout:
    {"docs", "seconds", "docs_per_s", "pairs": [[a, b], ...], ...}
where `pairs` are the LSH candidate pairs (a < b, 0-based), unverified — datasketch's answer as a user of
MinHashLSH would get it. Progress goes to stderr so stdout stays one parseable line.

The timed part is the whole near-duplicate job from texts in memory: words, 5-gram shingles, 128-permutation
MinHash of every document, inserting every signature into a MinHashLSH(threshold=0.8) and querying every
document for its candidates. Reading the file is not timed (the lab's import is not timed either).
"""

import json
import re
import sys
import time

import datasketch
from datasketch import MinHash, MinHashLSH

NUM_PERM = 128
THRESHOLD = 0.8
K = 5

# The lab's words are runs of characters for which Rust's char::is_alphanumeric holds, lower-cased.
# `[^\W_]` is Python's closest class: \w is str.isalnum() plus "_", and "_" must split words as in the lab
# ("foo_bar" is two words; the corpus has ~12k underscores). The two differ only on non-ASCII: Rust also
# counts Other_Alphabetic combining marks (e.g. Devanagari vowel signs, circled letters) as word characters,
# Python does not. The benchmark corpus is nearly all ASCII; quality-bench.mjs reports any document whose
# shingles would differ.
WORD = re.compile(r"[^\W_]+")


def shingles(text):
    # Lower-case each word after splitting (as the lab does), not the whole text first: lower-casing can
    # add combining marks ("İ" → "i̇") that would then split a word.
    words = [w.lower() for w in WORD.findall(text)]
    if len(words) < K:
        # A short text still has one shingle, all its words (the lab's rule), so short rows compare.
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + K]) for i in range(len(words) - K + 1)}


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    naive = "--naive" in sys.argv
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    with open(args[0], encoding="utf-8") as f:
        texts = json.load(f)
    n = len(texts)

    t0 = time.perf_counter()
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    batches = ([s.encode("utf8") for s in shingles(t)] for t in texts)
    if naive:
        # What the datasketch README shows: a fresh MinHash per document (which re-draws its 128
        # permutations from the seed each time).
        def sigs():
            for b in batches:
                m = MinHash(num_perm=NUM_PERM)
                m.update_batch(b)
                yield m

        signatures = sigs()
    else:
        # datasketch's own bulk path: the permutations are drawn once and copied — the fastest way the
        # library offers, so the baseline is datasketch at its best, not a strawman.
        signatures = MinHash.generator(batches, num_perm=NUM_PERM)
    minhashes = []
    for i, m in enumerate(signatures):
        lsh.insert(i, m)
        minhashes.append(m)
    t_insert = time.perf_counter()
    pairs = set()
    for i, m in enumerate(minhashes):
        for j in lsh.query(m):
            if j != i:
                pairs.add((i, j) if i < j else (j, i))
    t1 = time.perf_counter()

    secs = t1 - t0
    print(
        f"datasketch {datasketch.__version__}: {n} docs in {secs:.2f} s "
        f"(sign + insert {t_insert - t0:.2f} s, query {t1 - t_insert:.2f} s), {len(pairs)} candidate pairs",
        file=sys.stderr,
    )
    json.dump(
        {
            "docs": n,
            "seconds": secs,
            "docs_per_s": n / secs,
            "sign_insert_seconds": t_insert - t0,
            "query_seconds": t1 - t_insert,
            "method": "MinHash per document" if naive else "MinHash.generator",
            "datasketch": datasketch.__version__,
            "bands": lsh.b,
            "rows": lsh.r,
            "pairs": sorted(pairs),
        },
        sys.stdout,
    )
    print()


if __name__ == "__main__":
    main()
