// Synthetic stand-ins for aclImdb_v1.tar.gz, the IMDb archive the course's preparation script reads.
//
// The real archive (84 MB) can't be fetched here, so the browser tests and the benchmark use archives made
// by this module: the same layout (aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt, train/unsup/ which
// the script ignores, and the README/vocabulary/feature files beside them), a real ustar tar in gzip, and
// review texts that look like IMDb's (sentences, `<br /><br />`, quotes, commas) drawn from a sentiment-
// tilted vocabulary so that a bag-of-words classifier learns something (~85%), not everything.
//
// Traps for a reader that only looks right:
// - file names are `<id>_<rating>.txt` with ids 0..perFolder-1, so the script's sorted(os.listdir()) order
//   ("10_7.txt" before "2_9.txt") differs from numeric order;
// - entries are written in a shuffled order (each directory before its contents, as GNU tar writes a
//   readdir walk), so the reader must sort;
// - with `awkward`, some files hold `"`, `\r\n`, a lone `\r`, leading/trailing spaces, a UTF-8 BOM, tabs,
//   non-ASCII (é, 日本語, 😀) and one is empty. Python's text mode (universal newlines) turns `\r\n` and a
//   lone `\r` into `\n`; it keeps the BOM as U+FEFF (encoding="utf-8", not "utf-8-sig") and the spaces.
//
// Everything is deterministic: the same options give the same bytes. The texts of a file depend only on
// the seed and the file's path, not on the entry order. No dependencies beyond node's own modules.
// scripts/fixtures/write-e2e-archive.mjs writes one to disk for scripts/fixtures/imdb_reference.py, which
// computes the reference script's CSV hashes for tests/fixtures/imdb/e2e_expected.json.
import zlib from "node:zlib";

export { mulberry32 } from "./rng.mjs";
import { mulberry32 } from "./rng.mjs";

/** FNV-1a of a string mixed with a seed: the per-file PRNG seed. */
function seedFor(seed, key) {
  let h = (0x811c9dc5 ^ Math.imul(seed >>> 0, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return h >>> 0;
}

const pick = (rng, list) => list[Math.floor(rng() * list.length)];
const randInt = (rng, lo, hi) => lo + Math.floor(rng() * (hi - lo + 1)); // inclusive

function shuffle(rng, list) {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}

// ---------------------------------------------------------------------------------------------------------
// Vocabulary: the same for every seed.

const POSITIVE = (
  "great excellent wonderful loved brilliant superb masterpiece beautiful enjoyable best perfect amazing " +
  "fantastic touching delightful charming gripping memorable outstanding moving favorite hilarious " +
  "stunning powerful terrific recommend refreshing heartfelt clever"
).split(" ");
const NEGATIVE = (
  "awful terrible boring worst waste bad poor stupid dull horrible disappointing mess lame annoying " +
  "pointless ridiculous unwatchable mediocre forgettable laughable tedious pathetic predictable cheap " +
  "badly avoid dreadful weak"
).split(" ");
// Common words, roughly in order of frequency (Zipf weights follow the order). Includes what
// CountVectorizer's default token pattern drops ("a", "I") or splits ("don't" → "don"), digits, names,
// accented words and an underscore word.
const COMMON = (
  "the a and of to is it in I this that was as with for movie but film on not you are his have he be one " +
  "all at by they who an so from like there her or just about it's out if has what some good can more " +
  "when very up no time even she my would which story only really see their had we were me well than " +
  "much get been do also other don't into will because how plot people most its then them could make " +
  "characters first way acting any seen think after character films watch too movies two many did life " +
  "never being little where know show over ever these does scene here off man while years scenes end " +
  "something why both such through real though should go those back director still now doesn't actors " +
  "work new say same find thing again lot before few cast part watching actually world funny nothing " +
  "going makes look quite didn't every around another gets want may old can't I'm years young thought " +
  "horror series music kind whole between take fact comedy big role long right without isn't action " +
  "original guy interesting script minutes pretty performance done Hollywood end anything times always " +
  "got feel come yet point everything family sure bit far might last probably since effects television " +
  "I've wasn't woman girl rather half 10 2 1 3 7/10 1/10 8 90 1980s 1970s DVD TV US Mr. Dr. John Michael " +
  "Spielberg Hitchcock Paris New York café naïve Amélie cliché soufflé über self_aware sci-fi B-movie " +
  "you'll they're couldn't wouldn't she's he's film's director's that's there's let's"
).split(" ");

// Common words plus made-up ones, Zipf-weighted (the sentiment tuning below assumes this many).
const VOCAB_SIZE = 3000;

function makeVocabulary() {
  const rng = mulberry32(0x1dbb);
  const onsets = "b c d f g h j k l m n p r s t v w z br ch cl dr fl gr pl pr sh st th tr".split(" ");
  const nuclei = "a e i o u ai ea ee oo ou ie".split(" ");
  const codas = ["", "", "n", "r", "s", "t", "l", "nd", "st", "ck", "ng", "rt"];
  const seen = new Set([...COMMON, ...POSITIVE, ...NEGATIVE]);
  const words = [...COMMON];
  while (words.length < VOCAB_SIZE) {
    let w = "";
    const syllables = randInt(rng, 1, 3);
    for (let s = 0; s < syllables; s++) w += pick(rng, onsets) + pick(rng, nuclei) + pick(rng, codas);
    if (!seen.has(w)) {
      seen.add(w);
      words.push(w);
    }
  }
  // Zipf weights 1/(rank+2.7): cumulative table for binary search.
  const cumulative = new Float64Array(words.length);
  let total = 0;
  for (let i = 0; i < words.length; i++) {
    total += 1 / (i + 2.7);
    cumulative[i] = total;
  }
  return { words, cumulative, total };
}

const VOCAB = makeVocabulary();

function commonWord(rng) {
  const x = rng() * VOCAB.total;
  let lo = 0;
  let hi = VOCAB.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (VOCAB.cumulative[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return VOCAB.words[lo];
}

/** The vocabulary as aclImdb/imdb.vocab lists it: one word a line. */
export function vocabularyWords() {
  return [...VOCAB.words, ...POSITIVE, ...NEGATIVE];
}

// ---------------------------------------------------------------------------------------------------------
// Review texts.

// Tuned so that sklearn's CountVectorizer + LogisticRegression reaches ~85% on the e2e archive's 40 test
// reviews (trained on 140); changing them changes every archive and its fixtures. (The full-size benchmark
// archive passes its own texts, tests/e2e/bench/imdb-review-text.mjs: a vocabulary of the real size.)
const SENTIMENT_RATE = 0.2;
const AGREE = 0.85;
const MIXED = 0.1;

/**
 * One review of `nWords` words for `label` (1 positive, 0 negative): sentences with capitals and end marks,
 * commas, an occasional quoted phrase and `<br /><br />` paragraph breaks. SENTIMENT_RATE of the words are
 * sentiment words; in most reviews AGREE of them agree with the label, in MIXED of them (mixed or sarcastic
 * reviews) only three in ten do, which caps what a bag-of-words model can reach at roughly 85–90%.
 */
export function reviewText(rng, label, nWords) {
  const agree = rng() < MIXED ? 0.3 : AGREE;
  const words = [];
  for (let i = 0; i < nWords; i++) {
    if (rng() < SENTIMENT_RATE) {
      const withLabel = rng() < agree;
      words.push(pick(rng, withLabel === (label === 1) ? POSITIVE : NEGATIVE));
    } else {
      words.push(commonWord(rng));
    }
  }
  let out = "";
  let i = 0;
  while (i < words.length) {
    const len = Math.min(randInt(rng, 4, 22), words.length - i);
    const sentence = words.slice(i, i + len);
    i += len;
    sentence[0] = sentence[0][0].toUpperCase() + sentence[0].slice(1);
    for (let k = 0; k < sentence.length - 1; k++) if (rng() < 0.05) sentence[k] += ",";
    if (sentence.length > 4 && rng() < 0.04) {
      const a = randInt(rng, 1, sentence.length - 3);
      sentence[a] = '"' + sentence[a];
      sentence[a + 1] += '"';
    }
    const r = rng();
    const end = r < 0.8 ? "." : r < 0.9 ? "!" : r < 0.96 ? "?" : "...";
    if (out) out += rng() < 0.1 ? "<br /><br />" : " ";
    out += sentence.join(" ") + end;
  }
  return out;
}

// The awkward variants, applied to fixed files when `awkward` is on. Each names what the reference does.
const AWKWARD = [
  (t) => t.replace(/ /g, (m, at) => (at % 37 === 0 ? "\r\n" : m)) + "\r\n", // \r\n → \n in text mode
  (t) => t.replace(". ", ".\r") + "\rEnd.", // lone \r → \n in text mode
  (t) => "   " + t + "  ", // spaces kept
  (t) => '"' + t.replace(" ", ' "quoted, really" ') + ' He said: ""no"".', // quotes, a leading quote
  (t) => "Café au lait, naïve Amélie — 日本語のレビュー 😀 " + t + " ✓", // non-ASCII UTF-8
  (t) => "\ufeff" + t, // BOM: kept as U+FEFF by encoding="utf-8"
  (t) => t.replace(/ /, "\t") + "\ttab\tseparated", // tabs
  (t) => t + "\n\nLast line after a blank line.\n", // \n kept, trailing newline kept
  () => "", // an empty review: an empty field in the CSV
];

// ---------------------------------------------------------------------------------------------------------
// ustar.

const BLOCK = 512;
const RECORD = 10240;
const MTIME = 1308000000; // fixed (June 2011, when the real archive was made)

function octal(n, width) {
  return n.toString(8).padStart(width - 1, "0") + "\0";
}

/** A ustar header block for a file (`size` bytes) or a directory (`name` ending in "/"). */
export function tarHeader(name, size) {
  const nameBytes = Buffer.from(name, "utf8");
  if (nameBytes.length > 100) throw new Error(`tar name longer than 100 bytes: ${name}`);
  const dir = name.endsWith("/");
  const h = Buffer.alloc(BLOCK, 0);
  nameBytes.copy(h, 0);
  h.write(octal(dir ? 0o755 : 0o644, 8), 100, "ascii");
  h.write(octal(0, 8), 108, "ascii"); // uid
  h.write(octal(0, 8), 116, "ascii"); // gid
  h.write(octal(dir ? 0 : size, 12), 124, "ascii");
  h.write(octal(MTIME, 12), 136, "ascii");
  h.write("        ", 148, "ascii"); // checksum field counts as spaces
  h.write(dir ? "5" : "0", 156, "ascii");
  h.write("ustar\0", 257, "ascii");
  h.write("00", 263, "ascii");
  h.write("root", 265, "ascii"); // uname
  h.write("root", 297, "ascii"); // gname
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += h[i];
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, "ascii");
  return h;
}

/** Header + data + zero padding to the next 512-byte block. */
function tarEntry(name, data) {
  const size = data ? data.length : 0;
  const pad = (BLOCK - (size % BLOCK)) % BLOCK;
  return data ? [tarHeader(name, size), data, Buffer.alloc(pad)] : [tarHeader(name, 0)];
}

/** The end of a tar: two zero blocks, then zeros up to a whole 10240-byte record (as GNU tar writes). */
function tarEnd(written) {
  const total = written + 2 * BLOCK;
  return Buffer.alloc(2 * BLOCK + ((RECORD - (total % RECORD)) % RECORD));
}

// ---------------------------------------------------------------------------------------------------------
// The archive.

const LABELLED = [
  ["test", "pos"],
  ["test", "neg"],
  ["train", "pos"],
  ["train", "neg"],
];

function normaliseOptions(opts) {
  const {
    perFolder,
    unsupFiles = 10,
    seed = 1,
    awkward = true,
    textWords = [20, 120],
    extras = true,
    text = reviewText,
    vocabulary = null,
  } = opts;
  if (!Number.isInteger(perFolder) || perFolder < 0) throw new Error("perFolder: a whole number ≥ 0");
  const words = typeof textWords === "function" ? textWords : (rng) => randInt(rng, textWords[0], textWords[1]);
  return { perFolder, unsupFiles, seed, awkward, words, extras, text, vocabulary };
}

/**
 * The entries of the archive in write order, each { name, data: () => Buffer } (data absent for a
 * directory). Texts are made lazily so a full-size archive can be streamed.
 */
export function* imdbEntries(opts) {
  const o = normaliseOptions(opts);
  const order = mulberry32(seedFor(o.seed, "order"));
  const ratings = { pos: [7, 8, 9, 10], neg: [1, 2, 3, 4], unsup: [0] };

  // The awkward files: variant k goes to labelled folder k % 4, file id (7k + 3) % perFolder.
  const awkwardFor = new Map();
  if (o.awkward && o.perFolder > 0) {
    AWKWARD.forEach((fn, k) => {
      const [subset, label] = LABELLED[k % 4];
      const key = `${subset}/${label}/${(7 * k + 3) % o.perFolder}`;
      awkwardFor.set(key, [...(awkwardFor.get(key) || []), fn]);
    });
  }

  const reviewFile = (subset, label, id) => {
    const rng = mulberry32(seedFor(o.seed, `${subset}/${label}/${id}`));
    const rating = label === "unsup" ? 0 : pick(rng, ratings[label]);
    const name = `${id}_${rating}.txt`;
    const data = () => {
      const sentiment = label === "pos" ? 1 : label === "neg" ? 0 : rng() < 0.5 ? 1 : 0;
      let text = o.text(rng, sentiment, Math.max(1, o.words(rng)), rating);
      for (const fn of awkwardFor.get(`${subset}/${label}/${id}`) || []) text = fn(text);
      return Buffer.from(text, "utf8");
    };
    return { name, data };
  };
  const folder = (subset, label, count) => ({
    name: `${label}/`,
    children: Array.from({ length: count }, (_, id) => reviewFile(subset, label, id)),
  });
  const text = (name, body) => ({ name, data: () => Buffer.from(body, "utf8") });
  const urls = (subset, label, count) =>
    text(
      `urls_${label}.txt`,
      Array.from({ length: count }, (_, i) => `http://www.imdb.com/title/tt${String(100000 + i * 7).padStart(7, "0")}/usercomments\n`).join(""),
    );
  // Bag-of-words lines as in the real .feat files ("<rating> <index>:<count> ..."). Capped at 50 lines
  // unless extras is "full": then one line per review with about as many features as a review has
  // distinct words, which is what makes the real archive 84 MB (the .feat files are a third of it).
  const bow = (name, count) => ({
    name,
    data: () => {
      const rng = mulberry32(seedFor(o.seed, name + count));
      const lines = [];
      for (let i = 0; i < (o.extras === "full" ? count : Math.min(count, 50)); i++) {
        const n = Math.max(1, Math.round(0.55 * o.words(rng)));
        const idx = new Set();
        for (let k = 0; k < n; k++) idx.add(Math.floor(89527 * rng() ** 3));
        const feats = [...idx].sort((a, b) => a - b).map((j) => {
          const c = 1 + Math.floor(-Math.log(1 - rng()) * (j < 20 ? 4 : j < 300 ? 0.8 : 0.1));
          return `${j}:${c}`;
        });
        lines.push(`${(i % 10) + 1} ${feats.join(" ")}\n`);
      }
      return Buffer.from(lines.join(""), "utf8");
    },
  });
  const extras = (list) => (o.extras ? list : []);
  const vocab = o.vocabulary || vocabularyWords();

  const tree = {
    name: "aclImdb/",
    children: [
      ...extras([
        text("README", "Synthetic stand-in for the Large Movie Review Dataset v1.0, made by datalab's tests.\n" +
          "Layout as the original: train/ and test/ with pos/ and neg/ reviews named <id>_<rating>.txt,\n" +
          "train/unsup/ unlabelled reviews (rating 0), bag-of-words .feat files and imdb.vocab.\n"),
        text("imdb.vocab", vocab.join("\n") + "\n"),
        text("imdbEr.txt", vocab.map((_, i) => ((((i * 2654435761) >>> 0) % 2001) / 1000 - 1).toFixed(6)).join("\n") + "\n"),
      ]),
      {
        name: "train/",
        children: [
          ...extras([
            bow("labeledBow.feat", 2 * o.perFolder),
            bow("unsupBow.feat", o.unsupFiles),
            urls("train", "pos", o.perFolder),
            urls("train", "neg", o.perFolder),
            urls("train", "unsup", o.unsupFiles),
          ]),
          folder("train", "pos", o.perFolder),
          folder("train", "neg", o.perFolder),
          folder("train", "unsup", o.unsupFiles),
        ],
      },
      {
        name: "test/",
        children: [
          ...extras([bow("labeledBow.feat", 2 * o.perFolder), urls("test", "pos", o.perFolder), urls("test", "neg", o.perFolder)]),
          folder("test", "pos", o.perFolder),
          folder("test", "neg", o.perFolder),
        ],
      },
    ],
  };

  function* walk(node, prefix) {
    const name = prefix + node.name;
    if (node.children) {
      yield { name };
      for (const child of shuffle(order, [...node.children])) yield* walk(child, name);
    } else {
      yield { name, data: node.data };
    }
  }
  yield* walk(tree, "");
}

/** The uncompressed tar as a sequence of Buffers (header, data, padding, …, end). */
export function* imdbTarChunks(opts) {
  let written = 0;
  for (const entry of imdbEntries(opts)) {
    for (const part of tarEntry(entry.name, entry.data ? entry.data() : null)) {
      written += part.length;
      yield part;
    }
  }
  yield tarEnd(written);
}

/**
 * A gzip'd tar laid out like aclImdb_v1.tar.gz.
 * @param {object} o
 * @param {number} o.perFolder reviews in each of train/pos, train/neg, test/pos, test/neg
 * @param {number} [o.unsupFiles=10] reviews in train/unsup (the script ignores them)
 * @param {number} [o.seed=1] the same seed gives the same bytes
 * @param {boolean} [o.awkward=true] put quotes, \r\n, a lone \r, spaces, a BOM, tabs, non-ASCII and one
 *   empty text into a few files (needs perFolder ≥ 1; with perFolder < 9 some land in the same file)
 * @param {[number, number] | ((rng: () => number) => number)} [o.textWords=[20, 120]] words per review
 * @param {boolean | "full"} [o.extras=true] also write README, imdb.vocab, imdbEr.txt, *.feat and
 *   urls_*.txt; "full" writes one .feat line per review, as big as the real ones
 * @param {(rng: () => number, label: 0 | 1, nWords: number, rating: number) => string} [o.text=reviewText]
 *   the review texts (the benchmark passes tests/e2e/bench/imdb-review-text.mjs's benchReviewText)
 * @param {string[] | null} [o.vocabulary=null] the lines of imdb.vocab (null: vocabularyWords())
 * @returns {Buffer}
 */
export function buildImdbArchive(opts) {
  return zlib.gzipSync(Buffer.concat([...imdbTarChunks(opts)]));
}
