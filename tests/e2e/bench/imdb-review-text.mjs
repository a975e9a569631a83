// Review texts for the full-size benchmark archive (tests/e2e/bench/make-imdb-archive.mjs): English-like
// reviews with a vocabulary of the real IMDb data's size and shape, so that whatever the lab does per term
// (CountVectorizer's vocabulary, the sparse matrix, the logistic regression over it) costs what it would
// on the real data. The e2e archive (tests/e2e/lib/imdb-archive.mjs's own reviewText) does not use this.
//
// The real train split (35,000 reviews) has ~75–80k CountVectorizer terms, about half of them seen once or
// twice, ~130–140 distinct terms per review, and a logistic regression fits it almost perfectly (train
// 99.8%) while getting ~88.6–88.9% on held-out reviews. Here:
// - word types: ~650 real English words in roughly IMDb's frequency order (with "a" and "I", which
//   CountVectorizer drops, and contractions it splits; "br" comes from the `<br /><br />` paragraph breaks),
//   then made-up types: lowercase words from syllables and suffixes, capitalised names, years, decades and
//   a few number forms (none containing a rude word). 400,000 types in all.
// - frequencies: Zipf–Mandelbrot, p(rank) ∝ (rank + 1)^-1.1 up to rank 9,000, then a steeper tail
//   (exponent 2.3): the two regimes of word frequencies in large corpora. That gives the 35,000-review
//   train split ~76k distinct terms, ~47% of them seen once or twice, ~136 per review; a single exponent
//   over a finite list would give either nearly every type (no rare words) or far too many.
// - burstiness: a review repeats its own rarer words (names, topic words) now and then.
// - sentiment: every type past the first 120 has a small log-odds tilt between positive and negative
//   reviews (Laplace, most near zero); a lexicon of ~210 sentiment words and phrases ("7/10", "not worth";
//   some shared with the common words) is mixed in at a per-review rate (denser in short reviews), each
//   word with its own strength; and each review has a tone, the share of its tilted words that agree
//   with its label: high for most, near or below one half for a minority (mixed, sarcastic or "it's so
//   bad it's good" reviews), lower for ratings 4 and 7 than for 1 and 10. The tone sets the ceiling
//   (~88–90% on held-out reviews); the many rare, tilted types make the training split almost separable,
//   as the real one is.
// Deterministic: the tables depend on nothing but the constants here; a review only on its rng.

import { mulberry32 } from "../lib/imdb-archive.mjs";

const pick = (rng, list) => list[Math.floor(rng() * list.length)];
const randInt = (rng, lo, hi) => lo + Math.floor(rng() * (hi - lo + 1)); // inclusive
const normal = (rng) => Math.sqrt(-2 * Math.log(Math.max(rng(), 1e-12))) * Math.cos(2 * Math.PI * rng());

// ---------------------------------------------------------------------------------------------------------
// Word types.

// Common words, roughly in the order of their frequency in IMDb reviews.
const HEAD = `the and a of to is it in I this that was as with for movie but film on not you are his have
he be one all at by an they who so from like her or just about it's out has if some there what good more when
very up no time she even my would which only story really see their had can were me well than we much been
get will do also into people other first because how him most don't made its then way make them too could
any movies after think characters watch two films character seen many being life plot never acting little
over where did show know off ever does your end still man here these say scene while why scenes go such
something through should back I'm real those watching now though doesn't years old thing actors work before
another didn't new nothing actually makes director look find going few same lot part again every cast world
us quite want things pretty around seems young down can't horror however got take fact enough both big
thought long between series give may original own action I've right without always times comedy point gets
must come role saw isn't almost interesting least family done there's whole bit music script far making guy
anything minutes feel last since might performance he's probably kind am away yet rather TV girl day sure
hard woman played anyone found each having although our believe course comes looking screen trying set
goes looks place book different put ending money maybe once sense reason true actor everything wasn't shows
DVD three job main someone together watched play American plays said effects later takes instead seem John
himself version audience high house night during everyone left special seeing half wife star shot war idea
black less mind simply read second else you're father fan help completely death used home either short
line given men top dead try kids classic performances women need use Hollywood rest production until along
friends full camera video tell couple next sex start school let getting moments understand mean small early
person playing came others keep perhaps name often itself human become lines episode problem mother certainly
absolutely written felt boy style entire doing certain against piece oh friend went head finally called
becomes case several title yes sort laugh lost low children guys wanted supposed live hope picture evil
entertaining under writing went overall stars based already despite dialogue throughout able direction
cinema couldn't beginning totally mr turn lives sound wants drama white game killer quality history final
fine days humor heart care michael son tries act side town kill early art example close stuff hand seemed
expect flick heard viewer god took dark car leave turns kid run works killed wonder past child fight
genre daughter obviously themselves amount matter city gave decent parts happens hell experience slow
eyes except thinking myself took brother police number stories coming violence involved late happened
horrible anyway taken extremely voice hour self roles strong daughter told obvious highly particularly
age happen including blood known song chance james moment hit hero stop serious living robert murder
whose across English stupid hours husband ok attempt exactly cannot wish group today looked simple
opening release knows please interest uses career ends documentary none mostly sad talking across usually
novel cinematography crap shots body sometimes jokes events using annoying important ridiculous yourself
call level major light basically hilarious king order talent single taking female British four strange
word television brilliant cool beyond country mention whether sequence upon tells modern future room
needs miss sets sequel earth rating due hear change crime falls message feeling happy within problems
named knew nearly clearly dog Paul George local easily team similar 1 2 3 4 5 10 80s 70s Mr. Dr. New York
TV's haven't I'd we're they're you'll that's who's won't wouldn't doesn't aren't she's there's let's
film's movie's director's`.split(/\s+/);

// The sentiment lexicon: [word or phrase, share of its uses in positive reviews].
const POS_LEX = `great .72 excellent .86 best .66 love .63 wonderful .88 loved .78 beautiful .76 perfect .8
amazing .78 enjoyed .75 fun .64 favorite .76 brilliant .8 highly .8 superb .9 recommend .68 today .7
fantastic .8 masterpiece .86 enjoyable .76 touching .82 gem .86 loved .8 powerful .78 terrific .86
outstanding .88 moving .74 memorable .78 delightful .9 charming .82 gripping .82 stunning .82 hilarious .7
refreshing .88 heartfelt .88 wonderfully .92 beautifully .88 underrated .84 unforgettable .9 breathtaking .88
superbly .92 flawless .9 captures .84 fascinating .8 subtle .78 solid .7 strong .66 realistic .68 unique .74
greatest .8 finest .86 excellently .9 marvelous .88 brilliantly .9 perfectly .82 tears .7 incredible .76
loves .74 rare .72 wonderful .88 must-see .9 10/10 .96 9/10 .92 8/10 .86 7/10 .76 highly-recommended .94
well-done .8 classic .7 timeless .86 sweet .7 lovely .8 funniest .76 stellar .86 enjoys .7 excellent .86
pleasure .78 treat .76 inspiring .84 gorgeous .8 haunting .82 magnificent .86 remarkable .82 impressive .74
entertaining .62 touched .8 moved .76 joy .78 thank .7 appreciate .7 deserves .76 beauty .74 journey .7
friendship .74 innocence .76 complex .68 intelligent .74 clever .7 witty .78 nuanced .84 compelling .8
affecting .84 poignant .86 tender .82 uplifting .88 rewarding .82 wins .72 victory .7 deeply .74 genuinely .7
`.trim().split(/\s+/);
const NEG_LEX = `bad .82 worst .94 waste .95 awful .93 terrible .9 boring .88 stupid .86 horrible .88 poor .86
worse .84 nothing .62 dull .86 crap .88 minutes .6 lame .88 mess .86 ridiculous .8 pointless .9 avoid .88
supposed .72 unless .7 garbage .92 redeeming .94 pathetic .9 annoying .78 badly .9 poorly .92 laughable .9
waste .95 unfunny .94 wooden .88 script .6 money .62 attempt .72 save .7 weak .82 disappointing .86
disappointed .8 cheap .82 predictable .8 mediocre .88 forgettable .88 tedious .88 dreadful .92 atrocious .96
unwatchable .96 insult .88 fails .86 failed .8 zero .84 instead .62 plot .56 effort .64 unconvincing .9
pretentious .84 boredom .9 rubbish .92 sucks .9 sucked .92 horrid .92 appalling .92 lousy .9 embarrassing .86
amateurish .94 incoherent .9 painful .84 trash .86 junk .88 uninteresting .9 uninspired .9 bland .86
lacks .82 lacking .82 tiresome .88 overrated .76 cliché .78 clichéd .84 clichés .8 nonsense .84 idiotic .9
inept .94 stinker .94 turkey .8 flop .86 fell .64 awkward .7 silly .7 wasted .9 worthless .94 unbearable .92
1/10 .97 2/10 .95 3/10 .92 4/10 .86 so-called .78 badly-written .96 not-worth .94 walked-out .94 skip .8
baffling .8 awfully .88 terribly .84 unfortunately .7 sadly .66 apparently .64 couldn't-care .9 fast-forward .9
`.trim().split(/\s+/);

function lexicon(flat) {
  const seen = new Set();
  const out = [];
  for (let i = 0; i < flat.length; i += 2) {
    const word = flat[i].replace(/-/g, " ");
    if (seen.has(word)) continue;
    seen.add(word);
    out.push({ word, share: Number(flat[i + 1]), weight: 1 / (out.length + 12) });
  }
  return out;
}

// Made-up types: a lowercase word (a stem of 1–3 syllables plus, often, an English suffix), a capitalised
// name, a year, a decade or a number form.
const ONSETS = "b c d f g h j k l m n p r s t v w y z b d l m n p r s t k br ch cl cr dr fl fr gl gr pl pr sh sk sl sp st th tr".split(" ");
const VOWELS = "a e i o u a e i o u a e i o ee oo ea ai ou".split(" ");
const CODAS = ["", "n", "r", "s", "t", "l", "m", "d", "ck", "nd", "ng", "st", "rt", "nt", "ll", "x"];
const SUFFIXES = ["s", "s", "ed", "ing", "er", "ers", "ly", "y", "ness", "ion", "able", "ist", "ful", "ment", "ic", "ous"];
const NAME_ENDS = ["", "", "", "son", "ski", "ini", "berg", "ton", "ez", "ley", "man", "ard", "ford", "o", "a", "ey", "ine"];

function madeUpWord(rng, rank) {
  // Open syllables and a closed last one ("bareton", "kelomist"), longer for rarer ranks, as in English.
  const r = rng();
  const syllables = rank < 9000 ? (r < 0.5 ? 1 : r < 0.97 ? 2 : 3) : r < 0.25 ? 1 : r < 0.8 ? 2 : 3;
  let w = "";
  for (let s = 0; s < syllables; s++) {
    w += (rng() < 0.8 ? ONSETS[Math.floor(rng() * 26)] : pick(rng, ONSETS)) + pick(rng, VOWELS);
    if (s + 1 === syllables || rng() < 0.25) w += pick(rng, CODAS);
  }
  return rng() < (rank < 9000 ? 0.15 : 0.3) ? w + pick(rng, SUFFIXES) : w;
}

// Made-up words never contain these (the syllables can spell them).
const RUDE = /fuck|shit|cunt|cock|dick|piss|nig|fag|slut|whor|rape|twat|wank|jizz|fart|tit|cum|porn|sex|anal|butt|poo|dung/;

const N_TYPES = 400_000;
const KNEE = 9_000; // rank where the steeper tail starts
const S_HEAD = 1.1;
const S_TAIL = 2.3;
const Q = 1; // Mandelbrot's offset: flattens the very top (the, and, a) a little
const TILT_FROM = 120; // types before this rank (function words) carry no tilt
const TILT_SCALE = 0.3; // Laplace scale of the other types' log-odds tilt

function buildTables() {
  const rng = mulberry32(0x1dbb2024);
  const forms = [];
  const seen = new Set();
  const add = (w) => {
    const key = w.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    forms.push(w);
    return true;
  };
  for (const w of HEAD) if (w) add(w);
  const years = [];
  for (let y = 1920; y <= 2009; y++) years.push(String(y));
  for (let d = 20; d <= 90; d += 10) years.push(`19${d}s`);
  const numbers = [];
  for (let n = 6; n <= 300; n++) numbers.push(String(n));
  for (const x of ["35mm", "16mm", "3D", "2nd", "3rd", "4th", "5th", "1st", "100th", "60s", "50s", "90s", "30s", "40s", "20th", "21st", "1/2", "3/4"]) numbers.push(x);
  let yi = 0;
  let ni = 0;
  while (forms.length < N_TYPES) {
    const rank = forms.length;
    const r = rng();
    if (r < 0.004 && yi < years.length) add(years[yi++]);
    else if (r < 0.006 && ni < numbers.length) add(numbers[ni++]);
    else if (r < 0.16) {
      const name = madeUpWord(rng, rank).replace(/(ing|ness|ion|able|ment|ly|ful|ous|ers|ed|s)$/, "") + pick(rng, NAME_ENDS);
      if (name.length >= 3 && !RUDE.test(name)) add(name[0].toUpperCase() + name.slice(1));
    } else {
      const word = madeUpWord(rng, rank);
      if (!RUDE.test(word)) add(word);
    }
  }
  // Frequencies and tilts.
  const n = forms.length;
  const cumPos = new Float64Array(n);
  const cumNeg = new Float64Array(n);
  let tp = 0;
  let tn = 0;
  const kneeWeight = (KNEE + Q) ** -S_HEAD;
  for (let i = 0; i < n; i++) {
    const r = i + 1;
    const p = r <= KNEE ? (r + Q) ** -S_HEAD : kneeWeight * ((r + Q) / (KNEE + Q)) ** -S_TAIL;
    let tilt = 0;
    if (i >= TILT_FROM) {
      const u = rng() - 0.5;
      tilt = -TILT_SCALE * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
    }
    tp += p * Math.exp(tilt / 2);
    tn += p * Math.exp(-tilt / 2);
    cumPos[i] = tp;
    cumNeg[i] = tn;
  }
  const side = (lex, own, other) => {
    const words = [...lex.map((e) => e.word), ...other.map((e) => e.word)];
    const cum = new Float64Array(words.length);
    let t = 0;
    lex.forEach((e, i) => (cum[i] = t += e.weight * e.share));
    other.forEach((e, i) => (cum[lex.length + i] = t += e.weight * (1 - e.share)));
    return { words, cum };
  };
  const pos = lexicon(POS_LEX);
  const neg = lexicon(NEG_LEX);
  return {
    forms,
    pool: [
      { cum: cumNeg, total: tn },
      { cum: cumPos, total: tp },
    ],
    lex: [side(neg, neg, pos), side(pos, pos, neg)],
  };
}

let TABLES = null;
const tables = () => (TABLES ||= buildTables());

function draw(rng, cum) {
  const x = rng() * cum[cum.length - 1];
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The word types, most frequent first, lowercased and without the lexicon's phrases: for imdb.vocab. */
export function benchVocabulary(count = 89_527) {
  return tables().forms.slice(0, count).map((w) => w.toLowerCase());
}

// Per-review settings.
const LEX_RATE = 0.075; // median share of tokens drawn from the sentiment lexicon
const TONE_BY_RATING = { 1: 0.95, 2: 0.93, 3: 0.9, 4: 0.84, 7: 0.84, 8: 0.9, 9: 0.93, 10: 0.95 };
const MIXED = 0.09; // reviews whose tone is mixed or turned around
const REPEAT = 0.05; // chance that a token repeats one of the review's own rarer words
const RARE_FROM = 1500;

/**
 * One review of about `nWords` words for `label` (1 positive, 0 negative) and `rating` (1–4, 7–10; 0 for
 * unlabelled reviews): sentences with capitals, commas, the odd quoted phrase and `<br /><br />` breaks.
 */
export function benchReviewText(rng, label, nWords, rating = 0) {
  const t = tables();
  const base = TONE_BY_RATING[rating] ?? 0.85;
  const tone = rng() < MIXED ? 0.25 + 0.4 * rng() : Math.min(0.99, base + 0.05 * normal(rng));
  // Short reviews say what they think in fewer words ("Loved it. A gem."): a denser lexicon.
  const lexRate = LEX_RATE * (1 + 1.5 * Math.exp(-nWords / 80)) * Math.exp(0.6 * normal(rng));
  const breaks = pick(rng, [0, 0.05, 0.1, 0.15, 0.25]);
  const own = label === 1 ? 1 : 0;
  const rare = [];
  const words = [];
  while (words.length < nWords) {
    const r = rng();
    if (r < lexRate) {
      const side = rng() < tone ? own : 1 - own;
      for (const w of t.lex[side].words[draw(rng, t.lex[side].cum)].split(" ")) words.push(w);
    } else if (r < lexRate + REPEAT && rare.length) {
      words.push(pick(rng, rare));
    } else {
      const side = rng() < tone ? own : 1 - own;
      const i = draw(rng, t.pool[side].cum);
      const w = t.forms[i];
      if (i >= RARE_FROM) rare.push(w);
      words.push(w);
    }
  }
  let out = "";
  let i = 0;
  while (i < words.length) {
    const len = Math.min(randInt(rng, 4, 24), words.length - i);
    const sentence = words.slice(i, i + len);
    i += len;
    sentence[0] = sentence[0][0].toUpperCase() + sentence[0].slice(1);
    for (let k = 0; k < sentence.length - 1; k++) if (rng() < 0.06) sentence[k] += ",";
    if (sentence.length > 4 && rng() < 0.04) {
      const a = randInt(rng, 1, sentence.length - 3);
      sentence[a] = '"' + sentence[a];
      sentence[a + 1] += '"';
    }
    const e = rng();
    const end = e < 0.8 ? "." : e < 0.9 ? "!" : e < 0.96 ? "?" : "...";
    if (out) out += rng() < breaks ? "<br /><br />" : " ";
    out += sentence.join(" ") + end;
  }
  return out;
}
