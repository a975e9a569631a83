#!/usr/bin/env python3
"""Writes the lab's sample data: an instruction dataset with planted, documented flaws.

    static/sample/train.json   ~300 rows in the book's format, with flaws planted among clean rows
    static/sample/eval.json    a small held-out evaluation split (clean), some of it leaked into train.json
    static/sample/flaws.json   the manifest: every planted row by kind, and what in the lab finds it
    docs/sample.md             the README section describing all of the above (made from the manifest)

Everything is our own text about the course's subject (tokenizers, deduplication, quality gates, splits,
versioning, ...), composed from the phrase banks below; no dataset is copied. The output is deterministic:
one seeded `random.Random`, no clock, no iteration over sets or hash order.

Run:    python3 scripts/make-sample.py            (writes the four files)
        python3 scripts/make-sample.py --check    (writes nothing; exits 1 naming any file that differs)

`cargo test --test sample` runs the --check and then runs the lab's real importer, gates, deduplication and
leakage check over the files, asserting that each planted flaw is found and nothing else is.

Standard library only (Python 3.8+).
"""
import argparse
import json
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = "scripts/make-sample.py"
# Bump when the generator changes what it writes (recorded in flaws.json).
VERSION = 1
SEED = 20250525

TRAIN_ROWS = 300
EVAL_ROWS = 40

# The lab's near-duplicate defaults (src/core/quality/dedup.rs, NearDupParams::default): word 5-shingles,
# verified Jaccard >= 0.8. Planted near copies aim well above it, unrelated rows well below it.
SHINGLE = 5
NEAR_MIN = 0.82
UNRELATED_MAX = 0.6

# --------------------------------------------------------------------------------------------------------
# Phrase banks. Each topic: the phrase used in "What is X?" (singular, with its article), the phrase used in
# every other question, and four sentences of our own: what it is, why it matters, how to do it, a pitfall.
# Clean rows combine them into answers of one to three sentences.
#
# The text avoids what the gates look for, so clean rows pass every gate: no "@" or long digit runs (PII),
# no refusal phrases, every answer ends with closing punctuation, balanced brackets, and none of the
# safety or template-leftover words of GateConfig::default().
# --------------------------------------------------------------------------------------------------------

TOPICS = [
    ("a tokenizer", "tokenizers",
     "A tokenizer turns text into a sequence of integer ids that the model reads, using a fixed vocabulary of subword pieces.",
     "Every length limit, cost estimate and training budget is counted in tokens, so the tokenizer decides how much text fits into one example.",
     "Count tokens with the same tokenizer the model will be trained with, and store that tokenizer's name next to the counts.",
     "A frequent mistake is to count words or characters and assume they map evenly onto tokens, which breaks for code, numbers and non-English text."),
    ("byte-pair encoding", "byte-pair encoding",
     "Byte-pair encoding builds a vocabulary by starting from single bytes and repeatedly merging the most frequent adjacent pair into a new token.",
     "It gives common words a single token while still being able to spell out any rare word, so no input is ever unknown to the model.",
     "When you train or extend a BPE vocabulary, keep the merge list under version control, because the order of merges defines the encoding.",
     "Adding tokens without training their embeddings leaves the new ids with random vectors, and the model handles them badly until it has seen enough examples."),
    ("the context window", "the context window",
     "The context window is the maximum number of tokens a model can attend to at once, counting the prompt and the response together.",
     "Examples longer than the window are cut during training, and a cut answer teaches the model to stop in the middle of a thought.",
     "Measure the token length of every row and drop or split the ones that exceed the window before they reach the trainer.",
     "People often check only the output length and forget that the chat template and the instruction use part of the same budget."),
    ("a special token", "special tokens",
     "A special token is a reserved id, such as an end-of-text marker, that the tokenizer never produces from ordinary text.",
     "Special tokens tell the model where a turn ends or a document begins, so a misplaced one changes how the model learns to stop.",
     "Check that raw text containing the literal marker string is encoded as plain characters and not as the reserved id.",
     "If user text is allowed to produce the end-of-text id, a training example can end early and the rest of the answer is silently ignored."),
    ("exact deduplication", "exact deduplication",
     "Exact deduplication removes rows that are identical after a light normalisation such as lower-casing and collapsing whitespace.",
     "Repeated examples are seen several times per epoch, so the model over-weights them and memorises their wording.",
     "Hash a normalised form of all three fields together and keep the first row of each group of equal hashes.",
     "Normalising too aggressively, for example by stripping all numbers, merges rows that are genuinely different tasks."),
    ("near-duplicate detection", "near-duplicate detection",
     "Near-duplicate detection finds rows that share most of their wording even though a few words differ.",
     "Templated generation and copied web pages produce many almost identical rows, and exact hashing misses all of them.",
     "Compare rows by the overlap of their word shingles and review a handful of pairs at the chosen threshold before removing anything.",
     "A threshold that is too low starts to group rows that only share a common template, which removes useful variety."),
    ("MinHash", "MinHash",
     "MinHash summarises a set of shingles by its minimum hash value under many random hash functions, giving a short signature.",
     "The share of equal positions in two signatures estimates their Jaccard similarity without comparing the full sets.",
     "Use about a hundred permutations for short texts and keep the seed fixed so the signatures can be reproduced later.",
     "Treating the estimate as exact is risky near the threshold, so verify candidate pairs with the true Jaccard similarity."),
    ("LSH banding", "LSH banding",
     "LSH banding splits each MinHash signature into bands and proposes two rows as candidates when any band matches exactly.",
     "It avoids comparing every pair of rows, which would be far too slow for a dataset with hundreds of thousands of examples.",
     "Choose the number of bands and rows per band so that pairs just below your threshold still have a good chance of being proposed.",
     "Banding tuned for precision silently drops true pairs, and nobody notices because missed pairs never show up in a report."),
    ("Jaccard similarity", "Jaccard similarity",
     "Jaccard similarity is the size of the intersection of two sets divided by the size of their union.",
     "Applied to word shingles, it gives a simple and explainable score for how much of two texts is shared.",
     "Report the exact Jaccard value next to every pair you remove, so a reviewer can see why the pair was judged a duplicate.",
     "Short texts have few shingles, so changing a single word moves their similarity much more than it would for a long document."),
    ("a word shingle", "word shingles",
     "A word shingle is a run of consecutive words, for example every sequence of five words in a text.",
     "Shingles capture word order as well as vocabulary, so two texts with the same words in a different order are not treated as copies.",
     "Pick the shingle size to match the text length: shorter shingles suit short answers and longer ones suit whole documents.",
     "Forgetting to lower-case and strip punctuation before shingling makes trivial formatting differences look like real changes."),
    ("a quality gate", "quality gates",
     "A quality gate is a cheap rule that looks at one row and says whether it passes, with a reason when it does not.",
     "Gates make every removal explainable, which matters when someone later asks why a thousand rows disappeared.",
     "Run the gates on the whole dataset, then read a random sample of the flagged rows before you trust any of them.",
     "Treating a gate as a judge instead of a proxy leads to removing good rows that merely look unusual."),
    ("refusal filtering", "refusal filtering",
     "Refusal filtering flags answers in which the model declines the task or talks about itself instead of answering.",
     "A model trained on needless refusals learns to turn down harmless requests, which users find frustrating.",
     "Match a short list of boilerplate phrases case-insensitively and keep the list in the saved gate settings.",
     "A phrase list that is too broad also catches legitimate answers, such as an explanation of why a command fails."),
    ("a truncated output", "truncated outputs",
     "A truncated output is an answer that stops in the middle of a sentence, a word or a code block.",
     "Generation often hits a token limit, and a model trained on cut answers learns to stop abruptly.",
     "Flag outputs that end without closing punctuation or leave a code fence open, and regenerate them with a higher limit.",
     "Short answers such as a single word do not need a full stop, so a minimum length keeps the check from flagging them."),
    ("PII scrubbing", "PII scrubbing",
     "PII scrubbing finds and removes personal data such as email addresses and phone numbers, and secrets such as API keys.",
     "Models can reproduce rare strings they have seen in training, so a leaked address may later appear in a generated answer.",
     "Scan all three fields, not just the output, and replace what you find with a typed marker rather than deleting the row.",
     "Patterns tuned for one country's phone format miss numbers written in other styles."),
    ("JSONL", "JSONL",
     "JSONL stores one JSON object per line, so a file can be read, appended and split line by line.",
     "A broken line affects only one record, and tools can stream a large file without loading it whole.",
     "Write each record with the same key order and end the file with a newline so that concatenating files stays valid.",
     "Pretty-printing a record over several lines turns a valid JSONL file into one that most readers reject."),
    ("the Alpaca format", "the Alpaca format",
     "The Alpaca format stores each example as an instruction, an optional input and the expected output.",
     "A shared layout lets the same file feed the training notebook, the quality checks and the evaluation scripts.",
     "Use an empty string for a missing input rather than leaving the key out, so every record has the same three fields.",
     "Folding the input into the instruction for some rows and not for others makes the prompt template inconsistent."),
    ("schema validation", "schema validation",
     "Schema validation checks that every record has the expected fields with the expected types before it enters the dataset.",
     "One record with a null instruction or a number in the output can crash a training run hours after it started.",
     "Quarantine invalid records with their reasons instead of dropping them, so they can be fixed and imported later.",
     "Silently converting bad values, such as turning a missing output into an empty string, hides problems at the source."),
    ("a quarantine for invalid records", "the quarantine",
     "A quarantine keeps records that failed validation next to the dataset, each with the reasons it was held back.",
     "Nothing is lost silently, and the counts of imported and quarantined rows always add up to the rows in the file.",
     "Show the record number, the field and the problem for each quarantined row, and let the person fix it in place.",
     "Letting the quarantine grow without review means a systematic generator bug goes unnoticed for weeks."),
    ("a train and evaluation split", "train and evaluation splits",
     "A split divides the data into rows used for training and held-out rows used only to measure the result.",
     "Without held-out rows you cannot tell whether the model learned the task or memorised the training examples.",
     "Make the split with a fixed seed before any cleaning that looks at the answers, and record which rows went where.",
     "Deduplicating each side on its own lets copies of evaluation rows remain in the training data."),
    ("evaluation leakage", "evaluation leakage",
     "Evaluation leakage happens when rows of the evaluation set, or close copies of them, also appear in the training data.",
     "The model has seen the answers, so its evaluation score rises for the wrong reason and overstates real quality.",
     "Check every training row against the evaluation set with exact and near-duplicate matching before each training run.",
     "Lightly edited copies, such as a changed word or different punctuation, slip past a byte-for-byte comparison."),
    ("data versioning", "data versioning",
     "Data versioning gives each state of a dataset an identifier and records how it was derived from its parent.",
     "When a model behaves oddly you need to know exactly which rows it was trained on, not just the file name.",
     "Create a new version for every cleaning step and store its parameters, so the step can be replayed.",
     "Overwriting the cleaned file in place destroys the only way to compare the model against the earlier data."),
    ("a content hash", "content hashes",
     "A content hash is a fingerprint computed from the records themselves, so equal data always gets the same identifier.",
     "It proves that two people are talking about the same dataset, even if the files have different names.",
     "Hash the fields in a fixed order with clear separators so that moving text between fields changes the hash.",
     "Hashing the raw file instead of the parsed records makes a change of indentation look like a new dataset."),
    ("provenance", "provenance",
     "Provenance records where each row came from, such as a file and line or the generator that produced it.",
     "A bad example can only be fixed at its source if you can trace it back to the prompt or file that created it.",
     "Carry the provenance through every transformation and keep it out of the exported training file.",
     "Dropping provenance during a merge makes it impossible to tell generated rows from human-written ones."),
    ("dataset lineage", "dataset lineage",
     "Dataset lineage is the chain of versions and steps that leads from the raw import to the release candidate.",
     "It lets a reviewer check each step separately instead of trusting one large, unexplained change.",
     "Record the step name, its parameters and the number of rows removed for every edge in the lineage.",
     "A manual edit that is not recorded as a step breaks the chain, and the release can no longer be replayed."),
    ("a dataset card", "dataset cards",
     "A dataset card is a short document that describes what a dataset contains, how it was made and how it may be used.",
     "Future users need to know the sources, the licence and the known weaknesses before they train on the data.",
     "Write the card while building the dataset, and include the counts of rows removed by each cleaning step.",
     "A card that only lists the good properties hides the limitations that matter most to the next team."),
    ("a data licence", "data licences",
     "A data licence states what others may do with a dataset, such as copying it, changing it or using it commercially.",
     "Training on data with an incompatible licence can prevent the model from being released at all.",
     "Record the licence of every source in the dataset card and keep rows from different licences traceable.",
     "Assuming that publicly visible text is free to use ignores the terms under which it was published."),
    ("reflection in data generation", "reflection",
     "Reflection asks a model to critique an answer and then write an improved version based on its own critique.",
     "It can fix vague or incomplete answers without a human rewriting every row by hand.",
     "Keep the original and the refined answer side by side and accept a refinement only when it passes the gates.",
     "Refining every row blindly can make answers longer and more generic without making them more correct."),
    ("Magpie", "Magpie",
     "Magpie generates instructions by giving a chat model only the start of a user turn and letting it write the request itself.",
     "It produces varied instructions without any seed questions, which reduces the effort of building a prompt set.",
     "Generate instructions and answers in two separate calls and keep the exact prompt of each call in the provenance.",
     "Without a check on diversity, the generated requests drift towards a few popular subjects."),
    ("self-instruct", "self-instruct",
     "Self-instruct grows a set of tasks by showing a model a few seed tasks and asking it to write new ones.",
     "A small set of human-written seeds can be expanded into thousands of examples at low cost.",
     "Filter out new tasks that are too similar to existing ones before adding them to the pool.",
     "If the seeds share one style, every generated task copies that style and the dataset becomes narrow."),
    ("a sample audit", "sample audits",
     "A sample audit is a manual review of a random sample of rows to estimate how often a problem occurs.",
     "Automatic gates are proxies, and only reading real rows tells you whether they flag the right things.",
     "Draw the sample with a recorded seed and write down the verdict for each row so the audit can be repeated.",
     "Reviewing only the rows a gate flagged tells you about its precision but nothing about the problems it missed."),
    ("task diversity", "task diversity",
     "Task diversity describes how many different kinds of request a dataset covers, not just how many rows it has.",
     "A model learns the tasks it sees often, so a narrow dataset gives a model that handles only a few requests well.",
     "Look at the distribution of the first words of instructions as a quick signal of how varied the requests are.",
     "Adding more rows from the same generator prompt raises the row count without adding any new kind of task."),
    ("the length distribution of a dataset", "length distributions",
     "The length distribution shows how long the instructions and outputs are across the whole dataset.",
     "Outliers at either end often point to broken rows, such as empty answers or whole documents pasted by mistake.",
     "Plot the lengths in tokens as well as characters and inspect the longest and shortest rows by hand.",
     "Cutting everything above a fixed length can remove the few detailed answers the model most needs to see."),
    ("a script mismatch", "script mismatches",
     "A script mismatch is a row whose instruction and output are written in different writing systems, such as Latin and Cyrillic.",
     "It usually means the generator answered in the wrong language, which teaches the model to switch languages unasked.",
     "Count the letters of each writing system in both fields and flag rows where the dominant system differs.",
     "A translation task legitimately mixes scripts, so review flagged rows before removing them."),
    ("degenerate repetition", "degenerate repetition",
     "Degenerate repetition is output that repeats the same phrase over and over instead of making progress.",
     "It is a typical failure of greedy or low-temperature sampling, and training on it makes the failure more likely.",
     "Measure the share of repeated word trigrams in each output and flag the rows above a chosen limit.",
     "Lists and tables repeat structure by design, so a strict limit can flag well-formed answers."),
    ("formatting consistency", "formatting consistency",
     "Formatting consistency means that rows follow the same conventions for whitespace, line endings, lists and brackets.",
     "A model copies formatting as faithfully as content, so stray spaces and mixed list markers end up in its answers.",
     "Normalise line endings and trim fields during import, and flag unbalanced brackets for review.",
     "Reformatting code blocks as if they were prose can break indentation that the code depends on."),
    ("a chat template", "chat templates",
     "A chat template turns a list of messages into the exact text, with role markers, that the model is trained on.",
     "The model learns the template along with the content, so training and inference must use the same one.",
     "Render a few rows with the template and read the resulting text before starting a long training run.",
     "Using a slightly different template at inference time makes a well-trained model produce odd answers."),
    ("loss masking", "loss masking",
     "Loss masking trains the model only on the response tokens, so the prompt tokens do not contribute to the loss.",
     "The model should learn to answer, not to reproduce the instructions it is given.",
     "Mark the boundary between prompt and response after applying the chat template, then check a few masks by eye.",
     "An off-by-one error in the mask can hide the first token of every answer from training."),
    ("a proxy model", "proxy models",
     "A proxy model is a small, cheap model used to compare datasets before paying for a full training run.",
     "It gives a quick signal about which version of the data is better, at a fraction of the cost.",
     "Train the proxy on each dataset version with the same settings and compare the scores on one fixed evaluation set.",
     "A proxy that is too small may prefer data that is easy to predict rather than data that is useful."),
    ("an A/B experiment on data", "A/B experiments on data",
     "An A/B experiment on data trains the same model on two dataset versions and compares them on one evaluation set.",
     "It turns a belief that a cleaning step helps into a measured difference with an uncertainty.",
     "Change only one thing between the two arms and repeat the run with several seeds before drawing a conclusion.",
     "Comparing arms on different evaluation sets makes the difference meaningless."),
    ("a fixed random seed", "random seeds",
     "A fixed random seed makes shuffling, sampling and splitting produce the same result every time the step runs.",
     "Reproducible steps let another person rebuild the exact dataset and check your numbers.",
     "Store the seed with every step that uses randomness, next to the step's other parameters.",
     "Relying on a library's default seed can change results silently when the library is upgraded."),
    ("a release gate", "release gates",
     "A release gate is a check that a dataset version must pass before it may be tagged as a release.",
     "It stops a version with known problems, such as leaked evaluation rows, from reaching a training run.",
     "List the gates in the release notes together with their results, so reviewers see what was checked.",
     "Turning off a failing gate to meet a deadline removes the protection exactly when it is needed."),
    ("a data contract", "data contracts",
     "A data contract is an agreement about the fields, types and value ranges a dataset must have.",
     "Producers and consumers of the data can change their code independently as long as the contract holds.",
     "Check every import against the contract and report each violation with the record it came from.",
     "A contract that nobody checks automatically turns into documentation that slowly goes out of date."),
    ("schema drift", "schema drift",
     "Schema drift is a change in the fields or types of a dataset between one version and the next.",
     "A regenerated file that suddenly has numbers in the output field can break training without any visible error.",
     "Compare the schema of each new import with the previous version and show the differences before accepting it.",
     "Accepting an extra field without asking where it came from often hides a change in the generator."),
    ("perplexity filtering", "perplexity filtering",
     "Perplexity filtering scores each text with a language model and removes the texts the model finds least likely.",
     "Very high perplexity often marks garbled text, encoding errors or content in an unexpected language.",
     "Look at examples from several perplexity ranges before choosing a cut-off.",
     "A reference model trained on one style of text will score other valid styles as low quality."),
    ("an n-gram language model", "n-gram language models",
     "An n-gram language model predicts the next word from the previous few words using counts from a corpus.",
     "It is fast enough to score millions of rows and simple enough to explain every score it gives.",
     "Smooth the counts so that unseen word sequences get a small probability instead of zero.",
     "Training the n-gram model on the same rows it scores makes every row look more likely than it is."),
    ("a teacher model", "teacher models",
     "A teacher model is a larger model whose answers are used as training targets for a smaller one.",
     "It produces fluent answers at scale, which would be slow and expensive to write by hand.",
     "Record the teacher's name, version and generation settings in the provenance of every row it wrote.",
     "The teacher's mistakes and habits are copied into the student, so its answers still need checking."),
    ("the generation temperature", "the generation temperature",
     "The generation temperature controls how random the model's sampling is when it writes an answer.",
     "Low values give safe but repetitive answers, while high values add variety and also more errors.",
     "Use a moderate temperature for instructions and a lower one for answers that must be correct.",
     "Changing the temperature between runs without recording it makes two batches impossible to compare."),
    ("benchmark decontamination", "benchmark decontamination",
     "Benchmark decontamination removes training rows that overlap with public test sets used to evaluate the model.",
     "A model that has seen a benchmark's questions reports a score that says little about its real ability.",
     "Match training rows against the benchmark with word n-grams and keep a log of every row removed.",
     "Checking only the questions and not the answers misses rows where the answer was copied under a new question."),
    ("tokenizer fertility", "tokenizer fertility",
     "Tokenizer fertility is the average number of tokens a tokenizer needs for one word of a given language.",
     "A high fertility makes text in that language more expensive to train on and shortens its effective context.",
     "Measure fertility on a sample of each language in your data before choosing or extending a tokenizer.",
     "Comparing fertility on different texts in each language mixes the effect of the tokenizer with the effect of the content."),
    ("Unicode normalisation", "Unicode normalisation",
     "Unicode normalisation rewrites text so that characters with several possible encodings use one consistent form.",
     "Without it, two visually identical strings can have different bytes, different tokens and different hashes.",
     "Apply one normalisation form during import and record which form you used in the dataset card.",
     "Compatibility normalisation also changes characters such as ligatures and superscripts, which may alter the meaning."),
    ("a keep policy for duplicates", "keep policies for duplicates",
     "A keep policy decides which row of a duplicate group survives, for example the first, the longest or the best scored.",
     "The surviving row is the one the model learns from, so the choice affects quality as well as size.",
     "Record the policy with the deduplication step and list each removed row next to the row kept in its place.",
     "Keeping the longest row by default can prefer a rambling answer over a concise and correct one."),
    ("a safety review", "safety reviews",
     "A safety review is a human check of rows that mention sensitive subjects before they are used for training.",
     "Keyword gates only point at rows worth reading, and a person decides whether the content is acceptable.",
     "Route flagged rows to reviewers with the reason they were flagged, and record each decision.",
     "Removing every row that contains a sensitive word also removes helpful answers about staying safe."),
]

# Question phrasings per kind of answer. "{x}" is the topic's singular phrase, "{y}" its general one.
TEMPLATES = {
    "define": ["What is {x}?", "Define {x} in one sentence.", "In LLM data work, what does {x} refer to?",
               "Give a short definition of {x}.", "What is meant by {x}?"],
    # Phrased so that they read well for plural and mass nouns, and for problems ("truncated outputs") as
    # well as practices ("data versioning").
    "why": ["Why should a data engineer care about {y}?", "Why is it worth paying attention to {y}?",
            "Why do data engineers talk so much about {y}?", "What is at stake with {y}?"],
    "how": ["How should a pipeline deal with {y}?", "Give one practical tip about {y}.",
            "Describe a good habit when working with {y}.", "What is a sensible way to handle {y} in a data pipeline?"],
    "pitfall": ["What is a common mistake with {y}?", "Name one pitfall when dealing with {y}.",
                "Which error do people often make with {y}?", "Warn a colleague about one common error around {y}."],
    "overview": ["Explain {y} to a new team member.", "Summarise what a data engineer should know about {y}.",
                 "Write a short note on {y} for the course wiki.", "Walk me through {y}."],
    "watch": ["What should I watch out for with {y}, and what should I do instead?",
              "Give a warning and a recommendation about {y}.",
              "I am starting to work on {y}. What mistake should I avoid, and what is good practice?"],
}
# Which of a topic's sentences (0 what, 1 why, 2 how, 3 pitfall) make each kind of answer.
ANSWER = {"define": (0,), "why": (1,), "how": (2,), "pitfall": (3,), "overview": (0, 1, 2), "watch": (3, 2)}

COMPARISONS = [
    ("What is the difference between exact and near-duplicate detection?",
     "Exact detection finds rows that are identical after normalising case, spacing and punctuation. Near-duplicate detection also finds rows that differ in a few words, by comparing their word shingles."),
    ("How does MinHash differ from LSH banding?",
     "MinHash turns each text into a short signature whose agreement estimates Jaccard similarity. LSH banding then uses those signatures to pick candidate pairs, so not every pair has to be compared."),
    ("Compare JSON and JSONL for storing training data.",
     "A JSON file holds one value, usually an array of records, and is parsed as a whole. JSONL holds one record per line, which makes it easy to stream, append and split."),
    ("What separates a training split from an evaluation split?",
     "The training split is what the model learns from. The evaluation split is held out and used only to measure the model, so it must never leak into training."),
    ("How is provenance different from lineage?",
     "Provenance describes where a single row came from. Lineage describes how a whole dataset version was derived, step by step, from earlier versions."),
    ("Why is a content hash better than a file name for identifying a dataset?",
     "A file name can be reused for different data and changed without touching the data. A content hash is computed from the records, so it changes exactly when the data changes."),
    ("Contrast reflection with Magpie.",
     "Magpie creates new instructions and answers from a chat model with no seed questions. Reflection starts from existing answers and asks a model to critique and improve them."),
    ("When should you rely on a quality gate, and when on a sample audit?",
     "A gate is cheap and runs on every row, but it is only a proxy. A sample audit is slow but shows whether the gate flags the right rows, so use the audit to calibrate the gate."),
    ("How does byte-pair encoding differ from word-level tokenization?",
     "Word-level tokenization needs an entry for every word and fails on unseen ones. Byte-pair encoding builds words from smaller pieces, so it can encode any text with a fixed vocabulary."),
    ("What changes when you lower the sampling temperature?",
     "Sampling becomes more deterministic, so answers are more consistent but also more repetitive. Higher temperatures give more variety at the cost of more mistakes."),
]

# Tasks with a real input. Vague instructions and how to make them specific.
REWRITE_INSTR = ["Rewrite this instruction so that it is clear and specific.",
                 "Improve the following instruction for an instruction dataset.",
                 "Make this prompt precise enough to have one good answer."]
REWRITES = [
    ("tell me about tokens", "Explain in two sentences what a token is and why token counts matter for training budgets."),
    ("dedup stuff", "Describe, step by step, how to remove exact duplicates from a JSONL file of instruction records."),
    ("is my data good", "List three checks that show whether an instruction dataset is ready for a first training run."),
    ("explain minhash", "Explain how MinHash estimates the Jaccard similarity of two texts, using word shingles as the example."),
    ("write about licences", "Summarise what a dataset card should say about the licences of its sources."),
    ("help with splits", "Explain how to split ten thousand instruction records into training and evaluation sets with a fixed seed."),
    ("make the answers better", "Describe how reflection can improve vague answers and how you would check that a refined answer is better."),
    ("what about pii", "Name two kinds of personal data that often appear in generated answers and say how to detect each."),
    ("json problems", "Explain why a pretty-printed JSON object breaks a JSONL file and how to fix it."),
    ("why versions", "Give two reasons to create a new dataset version for every cleaning step."),
    ("generate data", "Describe in three sentences how Magpie generates instructions without seed questions."),
    ("tokenizer for german", "Compare how many tokens the GPT-2 tokenizer needs for one sentence in English and in German, and explain the difference."),
]

# Rows to triage: the row as the reviewer sees it, and the verdict. (No real personal data or refusal
# phrases in the quoted rows: the PII gate reads the input field too.)
TRIAGE_INSTR = ["Should this row be kept in the training set? Answer keep or drop and give the reason.",
                "Review this training row and decide whether to keep it.",
                "Decide whether the following example belongs in a clean instruction dataset."]
TRIAGE = [
    ("Instruction: Name the file format that stores one JSON object per line.\nOutput: JSONL",
     "Keep. The answer is short but complete and correct, and a one-word answer needs no more text."),
    ("Instruction: Explain loss masking.\nOutput: Loss masking means that the",
     "Drop it, or regenerate the answer. The output stops after a few words, so it would teach the model to end in the middle of a sentence."),
    ("Instruction: Summarise the dataset card.\nOutput: Summarise the dataset card.",
     "Drop. The output only repeats the instruction and contains no answer at all."),
    ("Instruction: What does a content hash prove?\nOutput: That two copies of a dataset hold the same records, whatever the files are called.",
     "Keep. The answer is correct, complete and written in the same language as the question."),
    ("Instruction: Give a tip for data versioning.\nOutput: Sure! Sure! Sure! Sure! Sure! Sure!",
     "Drop. The output is degenerate repetition with no content, a typical sampling failure."),
    ("Instruction: Define a release gate.\nOutput: A check a version must pass before it can be tagged as a release.",
     "Keep. It is a clear definition, although a second sentence on why release gates matter would make it more useful."),
    ("Instruction: Explain the context window.\nOutput: The context window is the number of tokens a model can read at once, prompt and answer together.",
     "Keep. The definition is accurate and mentions that the prompt and the answer share one budget."),
]

# Outputs with a problem, and which check finds it.
WHICH_GATE_INSTR = ["Which quality check would flag this output, and why?",
                    "Name the gate that should catch this answer.",
                    "What is wrong with this output, and which check finds it?"]
WHICH_GATE = [
    ("The three steps are: load the file, check the schema, and then",
     "The truncation check. The answer stops in the middle of a sentence without closing punctuation, so it was probably cut by a token limit."),
    ("The reply lists the reviewer's private email address and mobile number.",
     "The PII check. Personal contact details must be removed or replaced before the row is used for training."),
    ("Die Antwort steht in der Dokumentation des Datensatzes.",
     "Possibly none: German is written in the Latin script like the English question, so a script check passes it. A language identifier or a sample audit is needed."),
    ("Tokens tokens tokens tokens tokens tokens tokens tokens.",
     "The repetition check. Almost every word sequence in the answer repeats an earlier one, which marks degenerate sampling."),
    ("- load the data\n* check the schema\n- remove duplicates",
     "The formatting check. The list mixes dash and star markers, and a model would copy that inconsistency."),
    ("```python\nrows = load_rows(path)",
     "The truncation check. The answer opens a code fence and never closes it, so the code block was cut off."),
]

LICENCE_INSTR = ["Can rows under this licence go into a dataset used to train a commercial model?",
                 "What does this licence allow for a training dataset?",
                 "Explain what this licence means for our dataset."]
LICENCES = [
    ("CC BY 4.0", "Yes, with attribution. CC BY 4.0 allows commercial use and changes as long as you credit the source, so record the attribution in the dataset card."),
    ("CC BY-NC 4.0", "Not for a commercial model. The NC term rules out commercial use, so keep these rows out of the commercial release or ask the rights holder for permission."),
    ("CC0 1.0", "Yes. CC0 waives copyright as far as the law allows, although recording the source in the dataset card is still good practice."),
    ("CC BY-SA 4.0", "Possibly, but adapted material must be shared under the same licence. Ask your legal team whether the dataset or the model counts as adapted material before mixing these rows with others."),
    ("All rights reserved", "No, not without permission. Keep these rows out of the dataset unless the rights holder grants a licence in writing."),
]

# Short question/answer pairs used inside "convert to JSONL" tasks.
JSONL_INSTR = ["Convert this record to a single JSONL line.", "Write this example as one line of JSONL.",
               "Turn the following fields into a JSONL record."]
JSONL_QA = [
    ("Name the file format that stores one JSON object per line.", "JSONL."),
    ("What does MinHash estimate?", "The Jaccard similarity of two sets."),
    ("Which split must never be used for training?", "The evaluation split."),
    ("What does BPE stand for?", "Byte-pair encoding."),
    ("Which field of an Alpaca record may be empty?", "The input field."),
    ("What should every cleaning step produce?", "A new dataset version."),
]

CHANGELOG_INSTR = ["Summarise this dataset changelog in one sentence.",
                   "Write a one-sentence release note from these changes.",
                   "Condense the following list of changes into a single sentence."]
SPLIT_INSTR = ["Compute the size of each split.", "How many rows end up in each split?",
               "Work out the number of training and evaluation rows."]
JACCARD_INSTR = ["Compute the Jaccard similarity of these two sets.", "What is the Jaccard similarity of A and B?"]
JACCARD_WORDS = ["token", "merge", "vocabulary", "shingle", "signature", "band", "seed", "split", "gate",
                 "record", "version", "hash"]


def lower_first(s):
    return s[0].lower() + s[1:]


def input_tasks(rng):
    """Every task with a real input, as (instruction, input, output)."""
    out = []
    for vague, better in REWRITES:
        out.append((rng.choice(REWRITE_INSTR), vague, better))
    for row, verdict in TRIAGE:
        out.append((rng.choice(TRIAGE_INSTR), row, verdict))
    for text, verdict in WHICH_GATE:
        out.append((rng.choice(WHICH_GATE_INSTR), text, verdict))
    for name, answer in LICENCES:
        out.append((rng.choice(LICENCE_INSTR), name, answer))
    for q, a in JSONL_QA:
        fields = "instruction: %s\ninput:\noutput: %s" % (q, a)
        line = json.dumps({"instruction": q, "input": "", "output": a}, ensure_ascii=False)
        out.append((rng.choice(JSONL_INSTR), fields, "```json\n%s\n```" % line))
    # Changelogs: a version's steps with counts, summed up in one sentence.
    files = ["magpie-batch", "teacher-run", "seed-tasks", "reflection-pass", "web-faq", "support-notes"]
    for k, name in enumerate(files):
        v = 2 + k
        imported = rng.randrange(800, 9000)
        nulls = rng.randrange(1, 9)
        exact = rng.randrange(20, 400)
        near = rng.randrange(10, 200)
        leaked = rng.randrange(2, 40)
        lines = ["v%d: imported %d rows from %s.jsonl" % (v, imported, name),
                 "v%d: quarantined %d records with a null instruction" % (v, nulls),
                 "v%d: removed %d exact duplicates" % (v, exact),
                 "v%d: removed %d near duplicates at the 0.8 threshold" % (v, near),
                 "v%d: removed %d rows leaked from the evaluation split" % (v, leaked)]
        kept = imported - nulls - exact - near - leaked
        summary = ("Version v%d imported %d rows from %s, quarantined %d invalid records and removed %d exact "
                   "duplicates, %d near duplicates and %d leaked evaluation rows, leaving %d rows."
                   % (v, imported, name, nulls, exact, near, leaked, kept))
        out.append((rng.choice(CHANGELOG_INSTR), "\n".join(lines), summary))
    # Split sizes.
    for n, (a, b) in [(1200, (90, 10)), (2500, (80, 20)), (4000, (95, 5)), (800, (75, 25)), (6000, (85, 15)),
                      (3600, (90, 10))]:
        text = "A dataset of %d rows is split %d/%d into training and evaluation." % (n, a, b)
        answer = ("The training split gets %d rows and the evaluation split gets %d, which together make the %d "
                  "rows of the dataset." % (n * a // 100, n * b // 100, n))
        out.append((rng.choice(SPLIT_INSTR), text, answer))
    # Jaccard similarity of two small sets, worked out.
    for _ in range(5):
        words = rng.sample(JACCARD_WORDS, 6)
        shared = rng.randrange(1, 3)
        a = words[:3]
        b = words[3 - shared:3] + words[3:3 + 3 - shared]
        inter = [w for w in a if w in b]
        union = len(a) + len(b) - len(inter)
        text = "A = {%s}\nB = {%s}" % (", ".join(a), ", ".join(b))
        answer = ("The sets share %d of their elements (%s) and their union has %d, so the Jaccard similarity "
                  "is %d/%d = %.2f." % (len(inter), ", ".join(inter), union, len(inter), union, len(inter) / union))
        out.append((rng.choice(JACCARD_INSTR), text, answer))
    return out


def clean_pool(rng):
    """Every clean (instruction, input, output) row the generator can make, in a seeded order."""
    pool = []
    for x, y, *sentences in TOPICS:
        for kind, picks in ANSWER.items():
            instr = rng.choice(TEMPLATES[kind]).format(x=x, y=y)
            instr = instr[0].upper() + instr[1:]
            pool.append({"instruction": instr, "input": "", "output": " ".join(sentences[i] for i in picks),
                         "sentences": len(picks)})
    for q, a in COMPARISONS:
        pool.append({"instruction": q, "input": "", "output": a, "sentences": 2})
    for i, n, o in input_tasks(rng):
        pool.append({"instruction": i, "input": n, "output": o, "sentences": 1})
    rng.shuffle(pool)
    return pool


# --------------------------------------------------------------------------------------------------------
# Similarity as the lab computes it (src/core/quality/shingle.rs): words are runs of alphanumeric
# characters, lower-cased; a row's words are its three fields' in order; shingles are 5 consecutive words.
# --------------------------------------------------------------------------------------------------------

def words(text):
    out, cur = [], []
    for c in text:
        if c.isalnum():
            cur.append(c.lower())
        elif cur:
            out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return out


def row_words(r):
    return words(r["instruction"] or "") + words(r.get("input", "")) + words(r["output"])


def shingles(r, k=SHINGLE):
    w = row_words(r)
    if len(w) < k:
        return {tuple(w)} if w else set()
    return {tuple(w[i:i + k]) for i in range(len(w) - k + 1)}


def jaccard(a, b):
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb) if sa or sb else 1.0


def exact_key(r):
    """What the lab's exact deduplication compares (exact.rs): each field's words, fields kept apart."""
    return (tuple(words(r["instruction"] or "")), tuple(words(r.get("input", ""))), tuple(words(r["output"])))


# --------------------------------------------------------------------------------------------------------
# The flaws.
# --------------------------------------------------------------------------------------------------------

def fields(instruction, output, inp=""):
    return {"instruction": instruction, "input": inp, "output": output}


def plain(r):
    return fields(r["instruction"], r["output"], r["input"])


# Refusals and assistant boilerplate: each contains one of the default refusal phrases (gates.rs,
# GateConfig::default().refusals), in the forms teacher models really produce: a flat refusal, an "as an
# AI" disclaimer before a half-answer, a claimed lack of access.
REFUSALS = [
    "I'm sorry, but I can't help with that request.",
    "As an AI language model, I don't have personal experience with {y}, but many engineers find it useful.",
    "I am unable to answer questions about internal datasets. Please ask your team lead.",
    "As a large language model, I have no access to your files, so I can only speak in general terms.",
    "I'm sorry, but as an AI model I have to stay neutral on this topic.",
    "I cannot provide that information.",
]

# Answers in another language under an English instruction. The script gate compares the dominant writing
# system of the instruction with the output's, so the planted answers are in Cyrillic and Greek: a German
# or French answer (Latin script, like the question) would pass it (see "What the labs do not see").
OTHER_LANGUAGE = [
    ("Explain what a tokenizer does.",
     "Токенизатор разбивает текст на небольшие фрагменты — токены — и заменяет каждый из них номером из словаря модели."),
    ("What is a held-out evaluation set?",
     "Το σύνολο αξιολόγησης περιέχει παραδείγματα που το μοντέλο δεν βλέπει ποτέ κατά την εκπαίδευση, ώστε να μετράμε την πραγματική του απόδοση."),
    ("Why should duplicate rows be removed before training?",
     "Повторяющиеся примеры модель видит по нескольку раз за эпоху, поэтому запоминает их дословно и хуже обобщает."),
    ("Give one reason to record the seed of a data split.",
     "Με τον ίδιο σπόρο ο διαχωρισμός των δεδομένων επαναλαμβάνεται ακριβώς, οπότε και άλλοι μπορούν να ελέγξουν τα αποτελέσματα."),
]

ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
UPPER_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def pii_rows(rng):
    """Personal data and secrets, each of a kind `find_pii` (gates.rs) recognises: email addresses (in an
    output and in an input), phone numbers (in an output and in an instruction) and API keys of three
    providers. All fake: reserved example domains, fictional numbers (the UK's drama range 020 7946 0xxx,
    the US 555-01xx range), random keys."""
    def key(prefix, n, alphabet=ALNUM):
        return prefix + "".join(rng.choice(alphabet) for _ in range(n))

    first = ["lena", "tomas", "priya", "joao", "mei", "olu"]
    last = ["fischer", "novak", "raman", "silva", "tanaka", "adeyemi"]
    rng.shuffle(first)
    rng.shuffle(last)
    email1 = "%s.%s@example.org" % (first[0], last[0])
    email2 = "%s.%s@example.com" % (first[1], last[1])
    uk_phone = "+44 20 7946 0%03d" % rng.randrange(1000)
    us_phone = "(312) 555-01%02d" % rng.randrange(100)
    return [
        fields("Who should I contact about the licence of the sample dataset?",
               "Write to %s; she maintains the dataset card and answers licence questions within a week." % email1),
        fields("Where do I report a broken record in the evaluation split?",
               "Call the data desk on %s or open an issue in the dataset repository." % uk_phone),
        fields("Summarise this support message in one sentence.",
               "The sender reports a broken line near the end of the v7 JSONL export and asks for a regenerated file before Friday.",
               "From: %s\nHi, the JSONL export of version v7 has a broken line near the end. Could you regenerate it before Friday?\nThanks, %s"
               % (email2, first[1].capitalize())),
        fields("Show the configuration for the generation script.",
               "Point the script at the internal endpoint and use the key %s for authentication." % key("sk-", 32)),
        fields("Why does the upload to the data bucket fail?",
               "The snippet alone does not show the error, but the key must be active and allowed to write to the bucket. Rotate it now, because it has been pasted into a training example.",
               "aws_access_key_id = %s\nregion = eu-west-1" % key("AKIA", 16, UPPER_DIGITS)),
        fields("My number is %s. Add it to the contact section of the dataset card." % us_phone,
               "Done: the contact section of the dataset card now lists the maintainer's phone number next to the licence."),
        fields("How do I let the export job push to the data repository?",
               "Store the token %s in the job's credential helper and run the push again." % key("ghp_", 36)),
    ]


def truncate(r, style, rng):
    """The output cut the way a generation token limit cuts it. The truncation gate (gates.rs) flags an
    output of 8 or more pieces that does not end in closing punctuation, or one with an unclosed code fence;
    so the cuts land after a word, inside a word or after a comma (never after a digit or a bracket, which
    count as a clean end), at least eight words in."""
    out = r["output"]
    if style == "fence":
        # Inside the fenced JSON line: the fence never closes.
        cut = out.index('"output"') + len('"outp')
        return fields(r["instruction"], out[:cut], r["input"])
    sentences = out.split(". ")
    head = ". ".join(sentences[:-1]) + ". "
    last = sentences[-1].split(" ")
    if style == "comma":
        at = next(i for i, w in enumerate(last) if w.endswith(",") and i >= 2)
        text = head + " ".join(last[:at + 1])
    else:
        # Cut after word k (one that ends in a letter), or inside the next word when it is long enough to
        # be cut in half.
        ks = [k for k in range(3, len(last) - 2) if last[k - 1][-1].isalpha() and
              (style != "word" or len(last[k]) >= 6 and last[k].isalpha())]
        k = rng.choice(ks)
        text = head + " ".join(last[:k])
        if style == "word":
            text += " " + last[k][:len(last[k]) // 2]
    assert len(text.split()) >= 8 and (text[-1].isalpha() or text.endswith(",")), text
    return fields(r["instruction"], text, r["input"])


def repeat(r, style):
    """Answers that only repeat the instruction. The gate (gates.rs) flags an output whose normalised text
    equals the instruction's, or is a part of it at least 20 characters long: so the planted outputs are the
    instruction itself (as is, or lower-cased) and its tail from the second word on."""
    ins = r["instruction"]
    if style == "same":
        return fields(ins, ins)
    if style == "lower":
        return fields(ins, ins.lower())
    tail = ins.split(" ", 1)[1]
    return fields(ins, tail[0].upper() + tail[1:])


# Small rewordings for near duplicates and the edited leak: a closing remark added, one word swapped for a
# synonym near the end, or "Please" before an imperative instruction. Each changes few 5-word shingles, so
# the copy stays above the 0.8 Jaccard threshold, but all change words, so exact deduplication (which
# ignores case, spacing and punctuation only) does not see them.
TAILS = ["That is the short version.", "It is worth checking early.", "This saves effort later on."]
# (Only words that cannot be read as another part of speech: "change" or "check" could be nouns.)
SYNONYMS = {"often": "frequently", "removes": "drops", "simple": "plain", "useful": "helpful", "quick": "fast",
            "large": "big", "small": "little", "keep": "retain", "rows": "records", "answers": "responses",
            "mistake": "error", "exact": "precise", "whole": "entire", "data": "dataset"}
IMPERATIVES = ("Explain", "Give", "Describe", "Summarise", "Write", "Walk", "Name", "Define", "Warn",
               "Compare", "Contrast", "Rewrite", "Review", "Decide", "Convert", "Turn", "Compute", "Work",
               "Condense", "Improve", "Make")


def rewordings(r, rng):
    """Candidate light edits of a row as (style, row), in a seeded order."""
    out = []
    tail = rng.choice(TAILS)
    out.append(("remark_added", fields(r["instruction"], r["output"] + " " + tail, r["input"])))
    ws = r["output"].split(" ")
    for i in range(len(ws) - 1, max(-1, len(ws) - 12), -1):
        core = ws[i].strip(".,:;")
        if core in SYNONYMS:
            ws2 = list(ws)
            ws2[i] = ws[i].replace(core, SYNONYMS[core])
            out.append(("word_swapped", fields(r["instruction"], " ".join(ws2), r["input"])))
            break
    if r["instruction"].split(" ")[0] in IMPERATIVES:
        out.append(("please_added", fields("Please " + lower_first(r["instruction"]), r["output"], r["input"])))
    rng.shuffle(out)
    return out


def reword(r, rng, style=None):
    """A light edit of `r` (of `style`, if given) that the lab calls a near duplicate, or None."""
    for s, cand in rewordings(r, rng):
        if style in (None, s) and NEAR_MIN <= jaccard(r, cand) < 1 and exact_key(cand) != exact_key(r):
            return s, cand
    return None


class Row:
    """A train row in the making: its fields, its flaw (None: clean) and what it copies, if anything."""

    def __init__(self, data, kind=None, of=None, detail=None):
        self.data, self.kind, self.of, self.detail = data, kind, of, detail


def build():
    rng = random.Random(SEED)
    pool = clean_pool(rng)
    used = [False] * len(pool)

    def take(pred=lambda r: True):
        for i, r in enumerate(pool):
            if not used[i] and pred(r):
                used[i] = True
                return r
        raise SystemExit("make-sample: the phrase banks ran out of rows")

    # The evaluation split: clean rows of every kind, never used in training except as planted leaks.
    eval_rows = [take() for _ in range(EVAL_ROWS)]

    # Bases for flaws that start from a real question: their own rows, used nowhere else, so a flawed
    # row never pairs up with a clean one in deduplication.
    truncated = []
    for style in ["after_word", "word", "comma", "after_word", "word"]:
        base = take(lambda r: r["sentences"] >= 2 and not r["input"] and
                    (style != "comma" or "," in r["output"].split(". ")[-1].split(" ", 2)[-1]))
        truncated.append(Row(truncate(base, style, rng), "truncated", detail=style))
    truncated.append(Row(truncate(take(lambda r: r["output"].startswith("```json")), "fence", rng),
                         "truncated", detail="fence"))
    refusals = []
    for text in REFUSALS:
        base = take(lambda r: not r["input"] and r["sentences"] == 1)
        topic = next((t for t in TOPICS if t[0] in base["instruction"] or t[1] in base["instruction"]), TOPICS[0])
        refusals.append(Row(fields(base["instruction"], text.format(y=topic[1])), "refusal"))
    repeats = [Row(repeat(take(lambda r: not r["input"] and len(r["instruction"]) >= 30), style),
                   "repeats_instruction", detail=style)
               for style in ["same", "tail", "lower", "same", "tail"]]
    other = [Row(fields(i, o), "other_language") for i, o in OTHER_LANGUAGE]
    pii = [Row(f, "pii") for f in pii_rows(rng)]

    n_flawed_single = len(truncated) + len(refusals) + len(repeats) + len(other) + len(pii)
    n_exact, n_near, n_leak = 6, 6, 5
    n_clean = TRAIN_ROWS - 1 - n_flawed_single - n_exact - n_near - n_leak
    clean = [Row(plain(take())) for _ in range(n_clean)]

    # Leaks: evaluation rows copied into training. Three byte for byte (the A/B lab's exact count sees
    # them), one lower-cased (equal once normalised: the quality lab's leakage check calls it exact), one
    # lightly reworded (a near duplicate only the shingle check finds).
    leak_rows = []
    long_eval = [k for k, r in enumerate(eval_rows) if r["sentences"] >= 2]
    short_eval = [k for k in range(EVAL_ROWS) if k not in long_eval]
    picks = rng.sample(short_eval, 4) + [rng.choice(long_eval)]
    for style, k in zip(["identical", "identical", "identical", "case", "reworded"], picks):
        e = plain(eval_rows[k])
        if style == "case":
            e = fields(e["instruction"].lower(), e["output"].lower(), e["input"].lower())
        elif style == "reworded":
            e = reword(e, rng)[1]
        leak_rows.append(Row(e, "eval_leak", of=k, detail=style))

    # Exact duplicates: copies of clean rows, the same once case, spacing and punctuation are ignored —
    # what the lab's exact deduplication compares (exact.rs). One row is copied twice (a group of three).
    # The copies vary only in ways that keep every gate passing: no trailing space (formatting gate), no
    # dropped full stop on a long answer (truncation gate).
    originals = rng.sample(clean, 5)
    exact_rows = []
    variants = [("identical", originals[0]), ("double_spaces", originals[0]), ("lower_case", originals[1]),
                ("no_punctuation", originals[2]), ("identical", originals[3]), ("double_spaces", originals[4])]
    for style, o in variants:
        d = dict(o.data)
        if style == "double_spaces":
            d["output"] = d["output"].replace(". ", ".  ").replace(", ", ",  ")
            if d["output"] == o.data["output"]:
                d["instruction"] = d["instruction"].replace(" ", "  ", 2)
        elif style == "lower_case":
            d = {k: v.lower() for k, v in d.items()}
        elif style == "no_punctuation":
            d["instruction"] = d["instruction"].rstrip("?.")
            d["output"] = d["output"].replace(",", "")
        exact_rows.append(Row(d, "exact_duplicate", of=o, detail=style))

    # Near duplicates: clean rows reworded slightly (see rewordings), other originals than the exact ones.
    near_rows = []
    candidates = rng.sample([c for c in clean if c not in originals], len(clean) - len(originals))
    for style in ["remark_added", "word_swapped", "please_added"] * (n_near // 3):
        for o in candidates:
            found = reword(o.data, rng, style)
            if found and all(o is not n.of for n in near_rows):
                near_rows.append(Row(found[1], "near_duplicate", of=o, detail=style))
                break
    assert len(near_rows) == n_near

    # The generation notebook's row: no instruction, an empty output and no input key at all. The
    # workspace's importer quarantines it (a null required field); it never reaches the gates.
    null_row = Row({"instruction": None, "output": ""}, "null_instruction")

    # Scatter: everything but the duplicate copies in a seeded order, then each copy somewhere after its
    # original (so the original is the first row of its group, as the "first row" keep policy assumes).
    rows = clean + truncated + refusals + repeats + other + pii + leak_rows + [null_row]
    rng.shuffle(rows)
    for c in exact_rows + near_rows:
        at = rows.index(c.of)
        rows.insert(rng.randrange(at + 1, len(rows) + 1), c)
    assert len(rows) == TRAIN_ROWS
    return rows, [plain(r) for r in eval_rows]


def check_similarity(rows, eval_rows):
    """Unplanted rows must not look alike to the lab: no equal normalised rows, no pair near the threshold."""
    # Rows of one family (an original and its exact or near copies) are meant to look alike.
    family = [rows.index(r.of) if r.kind in ("exact_duplicate", "near_duplicate") else i
              for i, r in enumerate(rows)]
    planted = {(i, j) for i in range(len(rows)) for j in range(i + 1, len(rows)) if family[i] == family[j]}
    data = [r.data for r in rows]
    sets = [shingles(d) for d in data]
    keys = {}
    for i, d in enumerate(data):
        k = exact_key(d)
        if k in keys and (keys[k], i) not in planted:
            raise SystemExit("make-sample: rows %d and %d are equal once normalised" % (keys[k], i))
        keys.setdefault(k, i)
    for i in range(len(data)):
        for j in range(i + 1, len(data)):
            a, b = sets[i], sets[j]
            sim = len(a & b) / len(a | b)
            if (i, j) in planted:
                assert sim >= NEAR_MIN, (i, j, sim)
            elif sim > UNRELATED_MAX:
                raise SystemExit("make-sample: rows %d and %d are too alike (J = %.2f)" % (i, j, sim))
    esets = [shingles(e) for e in eval_rows]
    leaks = {(i, r.of) for i, r in enumerate(rows) if r.kind == "eval_leak"}
    for j, b in enumerate(esets):
        for k in range(j + 1, len(esets)):
            assert len(b & esets[k]) / len(b | esets[k]) <= UNRELATED_MAX, (j, k)
        for i, a in enumerate(sets):
            sim = len(a & b) / len(a | b)
            if (i, j) in leaks:
                assert sim >= NEAR_MIN, (i, j, sim)
            elif sim > UNRELATED_MAX:
                raise SystemExit("make-sample: train row %d and eval row %d are too alike (J = %.2f)" % (i, j, sim))


# What finds each flaw, as the lab labels it: the lab title (src/core/labs.rs), then the section or gate
# (Gate::label in src/core/quality/gates.rs, section titles in src/ui/labs/**).
FOUND_BY = {
    "null_instruction": 'Dataset workspace → import → "Quarantine" ("instruction" is null)',
    "refusal": 'Quality gates & dedup → Gates → "Refusals & boilerplate"',
    "truncated": 'Quality gates & dedup → Gates → "Truncated output"',
    "pii": 'Quality gates & dedup → Gates → "PII & secrets"',
    "repeats_instruction": 'Quality gates & dedup → Gates → "Repeats the instruction"',
    "other_language": 'Quality gates & dedup → Gates → "Language / script mismatch"',
    "exact_duplicate": 'Quality gates & dedup → "Exact and near duplicates" → Exact duplicates',
    "near_duplicate": 'Quality gates & dedup → "Exact and near duplicates" → near-duplicate clusters (default settings: 5-word shingles, J ≥ 0.8)',
    "eval_leak": 'Quality gates & dedup → "Leakage between splits" (train.json as the training split, eval.json as the test split)',
}
NOTES = {
    "null_instruction": 'The generation notebook\'s row `{"instruction": null, "output": ""}`, with no input key. The only row that does not import; after it, imported rows are numbered one lower than in the file.',
    "refusal": "Refusals and assistant boilerplate (\"I'm sorry, but …\", \"As an AI language model, …\") under ordinary questions.",
    "truncated": "Answers cut as a token limit cuts them: after a word, inside a word, after a comma, inside an unclosed code fence.",
    "pii": "Fake personal data and secrets: email addresses (one in an input), phone numbers (one in an instruction) and API keys (sk-, AKIA, ghp_). Every field is scanned.",
    "repeats_instruction": "Outputs that only repeat the instruction: verbatim, lower-cased, or its tail from the second word on.",
    "other_language": "English questions answered in Russian or Greek. The gate compares writing systems, so an answer in German or French would pass it.",
    "exact_duplicate": "Copies of clean rows, identical or differing only in case, spacing or punctuation. originals[i] is the row rows[i] copies; one row is copied twice.",
    "near_duplicate": "Clean rows reworded slightly (a closing remark added, one word swapped, \"Please\" before the instruction), Jaccard ≥ 0.82 with their originals. originals[i] is the row rows[i] rewords.",
    "eval_leak": "Rows of eval.json copied into train.json: eval_rows[i] is the evaluation row rows[i] copies. Three byte for byte, one lower-cased (the leakage check reports both kinds as exact), one reworded (reported as near). The A/B lab's leakage warning, which compares rows byte for byte, counts only the first three.",
}
ORDER = ["null_instruction", "refusal", "truncated", "pii", "repeats_instruction", "other_language",
         "exact_duplicate", "near_duplicate", "eval_leak"]


def manifest(rows):
    index = {id(r): i for i, r in enumerate(rows)}
    flaws = []
    for kind in ORDER:
        mine = sorted((index[id(r)], r) for r in rows if r.kind == kind)
        entry = {"kind": kind, "rows": [i for i, _ in mine]}
        if kind in ("exact_duplicate", "near_duplicate"):
            entry["originals"] = [index[id(r.of)] for _, r in mine]
        if kind == "eval_leak":
            entry["eval_rows"] = [r.of for _, r in mine]
            entry["styles"] = [r.detail for _, r in mine]
        if kind in ("truncated", "repeats_instruction", "exact_duplicate", "near_duplicate"):
            entry["styles"] = [r.detail for _, r in mine]
        entry["detected_by"] = FOUND_BY[kind]
        entry["note"] = NOTES[kind]
        flaws.append(entry)
    flagged = {index[id(r)] for r in rows if r.kind}
    return {
        "script": SCRIPT,
        "version": VERSION,
        "seed": SEED,
        "indices": "0-based record indices in file order (Python's data[i]) into train.json, and for eval_rows into eval.json. The importer quarantines the null_instruction row, so imported rows after it are numbered one lower.",
        "train_rows": len(rows),
        "eval_rows": EVAL_ROWS,
        "clean_rows": len(rows) - len(flagged),
        "flaws": flaws,
    }


def doc(m):
    flaws = {f["kind"]: f for f in m["flaws"]}
    null = flaws["null_instruction"]["rows"][0]
    lines = [
        "## Sample data",
        "",
        "`static/sample/` holds a small instruction dataset for the labs and drills, made by",
        "`scripts/make-sample.py` (Python standard library only, seed %d, script version %d). The text is our"
        % (m["seed"], m["version"]),
        "own, composed from the script's phrase banks about this course's subject — no dataset is copied — and",
        "flaws are planted in it on purpose, each listed below and in `static/sample/flaws.json`.",
        "",
        "Regenerate with `python3 scripts/make-sample.py`. `python3 scripts/make-sample.py --check` writes",
        "nothing and fails naming any file that differs from what the script makes; `cargo test --test sample`",
        "runs it, then runs the lab's importer, gates, deduplication and leakage check over the files and",
        "asserts that every planted flaw is found and no clean row is flagged.",
        "",
        "| File | Rows | What |",
        "|---|---|---|",
        "| `static/sample/train.json` | %d | training split in the book's format (a JSON array of `instruction`, `input`, `output`): %d clean rows and %d planted flaws |"
        % (m["train_rows"], m["clean_rows"], m["train_rows"] - m["clean_rows"]),
        "| `static/sample/eval.json` | %d | held-out evaluation split, all clean; %d of its rows leak into train.json |"
        % (m["eval_rows"], len(flaws["eval_leak"]["rows"])),
        "| `static/sample/flaws.json` | — | the manifest: each flaw's rows, what finds it, and a note |",
        "",
        "Row numbers are 0-based record indices in file order, as Python's `data[i]`. The workspace quarantines",
        "record %d, so in the imported version (%d rows) every row after it is numbered one lower."
        % (null, m["train_rows"] - 1),
        "",
        "| Flaw | Rows | Records in train.json | Found by |",
        "|---|---|---|---|",
    ]
    for kind in ORDER:
        f = flaws[kind]
        recs = ", ".join(str(i) for i in f["rows"])
        if kind in ("exact_duplicate", "near_duplicate"):
            recs = ", ".join("%d (of %d)" % p for p in zip(f["rows"], f["originals"]))
        if kind == "eval_leak":
            recs = ", ".join("%d (eval %d)" % p for p in zip(f["rows"], f["eval_rows"]))
        lines.append("| `%s` | %d | %s | %s |" % (kind, len(f["rows"]), recs, f["detected_by"]))
    lines += [
        "",
        "What each flaw looks like:",
        "",
    ]
    for kind in ORDER:
        lines.append("- `%s`: %s" % (kind, flaws[kind]["note"]))
    lines += [
        "",
        "What the labs do not see: the script gate compares the writing systems of instruction and output, so",
        "an answer in German under an English question, or a row entirely in Russian, passes it; a language",
        "identifier or the sample audit is needed for those, so none is planted.",
        "",
    ]
    return "\n".join(lines)


def outputs():
    rows, eval_rows = build()
    check_similarity(rows, eval_rows)
    dump = lambda v: json.dumps(v, indent=2, ensure_ascii=False) + "\n"
    m = manifest(rows)
    return {
        "static/sample/train.json": dump([r.data for r in rows]),
        "static/sample/eval.json": dump(eval_rows),
        "static/sample/flaws.json": dump(m),
        "docs/sample.md": doc(m),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="write nothing; exit 1 naming each file that differs from what the script makes")
    args = ap.parse_args()
    files = outputs()
    if args.check:
        stale = []
        for path, text in files.items():
            full = os.path.join(ROOT, path)
            try:
                with open(full, encoding="utf-8", newline="") as f:
                    same = f.read() == text
            except FileNotFoundError:
                same = False
            if not same:
                stale.append(path)
        for path in stale:
            print("%s differs from what %s makes: run python3 %s" % (path, SCRIPT, SCRIPT), file=sys.stderr)
        sys.exit(1 if stale else 0)
    for path, text in files.items():
        full = os.path.join(ROOT, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        print("wrote %s" % path)


if __name__ == "__main__":
    main()
