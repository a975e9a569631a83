#!/usr/bin/env node
// Writes a full-size synthetic aclImdb_v1.tar.gz for the IMDb benchmarks: the real archive (84 MB, 50,000
// labelled + 50,000 unlabelled reviews) can't be downloaded here, and the lab's import and baselines have
// to be measured at that size and shape. Same layout and traps as tests/e2e/lib/imdb-archive.mjs (shuffled
// entries, string-sorted names, a few awkward files), 12,500 reviews in each of train/test × pos/neg plus
// 50,000 in train/unsup, with review lengths spread like IMDb's: log-normal around a median of ~970
// characters (mean ~1,300), at least 50 and a long tail clamped at 13,500. The texts are
// tests/e2e/bench/imdb-review-text.mjs's: a Zipf-like vocabulary of the real size (the 35,000-review train
// split has ~76k CountVectorizer terms, ~4.8M non-zeros) with a sentiment signal of the real strength
// (LogisticRegression: ~99.8% train, ~88–89% test). imdb.vocab lists its 89,527 most frequent types, as
// many as the real one. Streams through gzip, so memory stays small.
//
// Usage: node tests/e2e/bench/make-imdb-archive.mjs [OUT] [--seed N] [--per-folder N] [--unsup N]
//   OUT defaults to /tmp/aclImdb_synth.tar.gz (outside the repo): ~91 MB of gzip, a ~297 MB tar (the
//   .feat files are full size, as in the real archive, whose tar is about as big). ~55 s on 2 cores.
// The reference timings on it: scripts/fixtures/imdb_fixtures.py --only bench (tests/fixtures/imdb/
// bench_sklearn.json).
import fs from "node:fs";
import zlib from "node:zlib";
import crypto from "node:crypto";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { imdbTarChunks, mulberry32 } from "../lib/imdb-archive.mjs";
import { benchReviewText, benchVocabulary } from "./imdb-review-text.mjs";

const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  args.splice(i, 2);
  return v;
};
const seed = flag("--seed", 1);
const perFolder = flag("--per-folder", 12_500);
const unsupFiles = flag("--unsup", 50_000);
const out = args[0] || "/tmp/aclImdb_synth.tar.gz";

// Characters per generated word (with its space/punctuation), measured once, to turn a length in
// characters into a word count.
const calibrate = mulberry32(99);
let chars = 0;
let words = 0;
for (let i = 0; i < 400; i++) {
  chars += benchReviewText(calibrate, i % 2, 200, i % 2 ? 8 : 3).length;
  words += 200;
}
const charsPerWord = chars / words;

// IMDb-like length: exp(N(ln 970, 0.75²)) characters, clamped to [50, 13500].
const MEDIAN = 970;
const SIGMA = 0.75;
function imdbLength(rng) {
  const u = Math.max(rng(), 1e-12);
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
  const len = Math.min(13_500, Math.max(50, MEDIAN * Math.exp(SIGMA * z)));
  return Math.max(1, Math.round(len / charsPerWord));
}

const started = performance.now();
let tarBytes = 0;
const hash = crypto.createHash("sha256");
const count = new Transform({
  transform(chunk, _enc, done) {
    tarBytes += chunk.length;
    done(null, chunk);
  },
});
const hashOut = new Transform({
  transform(chunk, _enc, done) {
    hash.update(chunk);
    done(null, chunk);
  },
});
await pipeline(
  Readable.from(
    imdbTarChunks({
      perFolder,
      unsupFiles,
      seed,
      awkward: true,
      textWords: imdbLength,
      extras: "full",
      text: benchReviewText,
      vocabulary: benchVocabulary(),
    }),
  ),
  count,
  zlib.createGzip(),
  hashOut,
  fs.createWriteStream(out),
);
const seconds = (performance.now() - started) / 1000;
console.log(
  JSON.stringify({
    path: out,
    perFolder,
    unsupFiles,
    seed,
    labelledReviews: 4 * perFolder,
    tarBytes,
    gzBytes: fs.statSync(out).size,
    sha256: hash.digest("hex"),
    charsPerWord: Number(charsPerWord.toFixed(3)),
    seconds: Number(seconds.toFixed(1)),
  }),
);
