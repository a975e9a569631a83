//! The deck's labs, in the runbook's order (slide 28), and which of them this build has.
//!
//! The navigation is drawn from this list, so a lab that is not built yet is shown as planned — never as a
//! page that pretends to work.

/// One lab of the deck.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lab {
    /// Stable id used in URLs (`?lab=…`).
    pub id: &'static str,
    pub title: &'static str,
    /// The deck's hands-on anchors this lab covers.
    pub anchors: &'static str,
    /// The slides it follows.
    pub slides: &'static str,
    /// One line on what the student does there.
    pub summary: &'static str,
    /// False while the lab is only planned.
    pub built: bool,
    /// What the page teaches around its work; every built lab has it (`LabPage` renders it).
    pub teaching: Option<Teaching>,
}

/// The words around a lab's work, in the lab's own voice: the lead under the title, the deck's "wisdom"
/// box, and the beginner's corner. Kept here, beside the title and the deck anchors, so a lab page is
/// only its panels and the header can never drift from the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Teaching {
    /// What the student does here and why, under the title.
    pub lead: &'static str,
    /// One sentence worth remembering.
    pub wisdom: &'static str,
    /// Beginner's corner: what this means, why it matters, the common mistake.
    pub means: &'static str,
    pub matters: &'static str,
    pub mistake: &'static str,
}

/// All labs, runbook order.
pub static LABS: &[Lab] = &[
    Lab {
        id: "loop",
        title: "The loop",
        anchors: "Overview",
        slides: "1, 7, 19",
        summary: "Where your data stands in the loop, stage by stage, with the lab that does each.",
        built: true,
        teaching: Some(Teaching {
            lead: "The course's loop on your own data: raw data becomes synthetic rows, is refined and gated, meets a tokenizer that fits its domain, and earns its place in training with evidence. Each stage shows what your labs recorded in this browser and opens the lab that does it.",
            wisdom: "A data change earns its place with evidence, not with effort.",
            means: "Every stage leaves a record — a version, a check, a tokenizer, an A/B run — and the loop reads them, so you see at a glance which step is not done yet.",
            matters: "Skipping a stage is how bad data reaches training: rows nobody gated, a tokenizer nobody measured, a change nobody compared with the baseline.",
            mistake: "Going round once and stopping: the results of one pass are the raw material of the next.",
        }),
    },
    Lab {
        id: "workspace",
        title: "Dataset workspace",
        anchors: "LAB-07 (schema drift)",
        slides: "4, 11, 23",
        summary: "Import, validate and version instruction datasets; lineage and rollback.",
        built: true,
        teaching: Some(Teaching {
            lead: "Import instruction data, see exactly which rows fail the schema and why, and keep every change as a version you can compare, audit and roll back. Everything stays in this browser.",
            wisdom: "Unversioned data leads to unverifiable results.",
            means: "Treat a dataset like code: every change is a new, named version, and you can always see where a row came from.",
            matters: "When a model gets worse you can compare the data it was trained on with the last good version, and roll back.",
            mistake: "Overwriting the dataset file in place, or silently dropping rows that failed to parse.",
        }),
    },
    Lab {
        id: "generate",
        title: "Generate with Ollama (Magpie)",
        anchors: "ADDON-B-LAB-01",
        slides: "4, 13",
        summary: "Draft instruction data with a local model, seeded and traceable.",
        built: true,
        teaching: Some(Teaching {
            lead: "A chat model that is given only the start of a user turn writes a plausible user request itself. Magpie samples instructions this way, then asks the same model to answer them: instruction data with no seed questions at all. Here it runs against your own Ollama, every row traceable to the exact call that made it.",
            wisdom: "Seed each row, record every call: generated data you cannot trace, you cannot trust.",
            means: "A pre-query template is the text a chat model sees just before a user speaks. Sent alone (raw, no chat formatting added), the model continues it by inventing what a user might ask.",
            matters: "It produces varied instructions without writing seed prompts, and with seeds recorded per row the run can be replayed and audited.",
            mistake: "Putting the seed at the top of the request (Ollama reads it only inside options), or using one seed for every row: with the same prompt, the same seed asks the same question every time.",
        }),
    },
    Lab {
        id: "quality",
        title: "Quality gates & dedup",
        anchors: "ADDON-B-LAB-APP-A",
        slides: "6, 14, 24",
        summary: "Score every row, find near-duplicates and split leakage.",
        built: true,
        teaching: Some(Teaching {
            lead: "Synthetic volume without quality control can hurt more than help. Score every row of a dataset version, find exact and near duplicates and leakage between splits, and make a cleaner version in which every removal is explained.",
            wisdom: "Synthetic volume without quality control can hurt more than help.",
            means: "A gate is a small automatic check on every row: is the answer empty, a refusal, cut off, a copy of another row? A near duplicate is a row that says almost the same as another with a few words changed.",
            matters: "Duplicates make a model memorise instead of generalise, and duplicates between train and test make its score a lie. Bad rows teach bad habits as faithfully as good rows teach good ones.",
            mistake: "Deleting rows without a record of which and why, or checking only for exact copies: generated data repeats itself with small changes.",
        }),
    },
    Lab {
        id: "refine",
        title: "Refine by reflection",
        anchors: "ADDON-B-LAB-02, CODE-01",
        slides: "5, 15, 17",
        summary: "Critique and revise rows; review every before/after.",
        built: true,
        teaching: Some(Teaching {
            lead: "A second pass can clean up weak rows: a model critiques each one against named criteria, then writes a better version. You review every before/after, keep what is better, say why you rejected the rest — and the originals are never overwritten.",
            wisdom: "Critique, then revise — and keep the original.",
            means: "Reflection asks a model to say what is weak about a training example before rewriting it: vague instruction, thin or wrong answer. The rewrite is a proposal; you decide whether it replaces the original.",
            matters: "Better supervision leads to better model outputs: the Reflection-Tuning paper recycled Alpaca's data this way and its win rate rose markedly. But a model can also make a row worse, so every change is reviewed and traceable.",
            mistake: "Overwriting the originals without a record, or skipping review because the first draft “looks okay”. Compare scores before and after on the same rubric instead of trusting the rewrite.",
        }),
    },
    Lab {
        id: "tokenizer",
        title: "Tokenizer workbench",
        anchors: "ADDON-B-LAB-03",
        slides: "8, 9, 18",
        summary: "See how GPT-2, cl100k_base and o200k_base split the same text.",
        built: true,
        teaching: Some(Teaching {
            lead: "Type or paste text and watch three real tokenizers cut it into tokens. Hover or tab to a token to see its id and bytes.",
            wisdom: "Every limit, price and training budget of an LLM is counted in tokens, so the tokenizer decides what your data costs.",
            means: "A tokenizer cuts text into pieces from a fixed vocabulary and hands the model only their ids. GPT-2 knows about 50 thousand pieces, cl100k_base 100 thousand, o200k_base 200 thousand.",
            matters: "The same sentence can cost very different numbers of tokens. Rare domain terms break into many fragments, which uses context and compute and gives the model less to hold on to.",
            mistake: "Comparing token counts, datasets or checkpoints made with different tokenizers as if they used the same unit. Always record which encoding you used.",
        }),
    },
    Lab {
        id: "extend",
        title: "Extend the tokenizer",
        anchors: "ADDON-B-LAB-03",
        slides: "8, 9, 16, 19",
        summary: "Add domain terms two ways and measure what they save.",
        built: true,
        teaching: Some(Teaching {
            lead: "Add domain terms to GPT-2 the notebook's way (added tokens) or as real BPE merges, check them, and measure what they save on your corpus before you change a model.",
            wisdom: "A new token is a change to the model's interface: it must earn its place with tokens saved on real data, and carry a version id wherever it goes.",
            means: "GPT-2 knows 50,257 tokens. Extending it gives chosen terms ids of their own, so they cost one token instead of several.",
            matters: "Shorter sequences for your domain mean more fits in the context and training is cheaper — but every new id needs a new embedding row and output row, which start untrained.",
            mistake: "Adding tokens without resizing the model (or with a random bias on the output head), or adding terms that never occur often enough to pay for themselves.",
        }),
    },
    Lab {
        id: "ab",
        title: "A/B experiments",
        anchors: "ADDON-B-LAB-04",
        slides: "10, 20",
        summary: "Change one thing at a time and compare with intervals.",
        built: true,
        teaching: Some(Teaching {
            lead: "Does the refined dataset help? Does the extended tokenizer? Set a baseline, a fixed evaluation set and a ladder of arms that each change one thing, train a small proxy model per arm here in the browser, and read a decision table with confidence intervals under a rule you fixed before the run.",
            wisdom: "Controlled experiments are how data engineering becomes science.",
            means: "An A/B experiment compares two versions that differ in exactly one thing, measured the same way on the same evaluation rows. The interval says how much the difference could be chance.",
            matters: "Data and tokenizer changes are expensive to train on. A change that shows no measurable gain on a proxy, or costs more tokens than it saves, has not earned its place yet.",
            mistake: "Changing the data and the tokenizer at once, comparing loss per token across tokenizers, or choosing the adoption threshold after seeing the numbers.",
        }),
    },
    Lab {
        id: "imdb",
        title: "IMDb bootstrap & baselines",
        anchors: "ADDON-B-LAB-05, LAB-06, LAB-08",
        slides: "11, 12, 21, 22, 26",
        summary: "Byte-identical, reproducible splits; majority class and logistic regression beside published numbers.",
        built: true,
        teaching: Some(Teaching {
            lead: "Benchmark pipelines should be scripted, reproducible and auditable. Turn the IMDb archive into the course's train, validation and test files — identical to the reference script's, byte for byte — then train the classical baselines here in your browser and compare them with the published results under one protocol.",
            wisdom: "Benchmark pipelines should be scripted, reproducible, and auditable.",
            means: "A split is a fixed division of the reviews: the model learns from train, you tune on validation, and test is looked at once, at the end. A SHA-256 is a fingerprint of a file: any change, even one byte, gives a different one.",
            matters: "Two results can only be compared if they were measured on the same test reviews. Matching hashes prove it; a baseline tells you how much a big model really adds.",
            mistake: "Re-shuffling with another seed (or another library) and comparing with published numbers anyway, or tuning on the test split.",
        }),
    },
    Lab {
        id: "drills",
        title: "Failure drills",
        anchors: "ADDON-B-LAB-07",
        slides: "25",
        summary: "Plant schema drift, duplicate leakage and a tokenizer mismatch; diagnose and recover.",
        built: true,
        teaching: Some(Teaching {
            lead: "Pipelines fail in a few familiar ways. Here the lab plants each fault in your own data with a seed — a drifted export, evaluation rows leaked into training, a dataset tokenized with the wrong tokenizer — shows what it does to a result, and scores your diagnosis. Every plant and every recovery is a version, so the lineage tells the story.",
            wisdom: "A pipeline you have never seen fail is a pipeline you cannot yet trust.",
            means: "A drill is a fault planted on purpose: you know it is there, you have to find it with the tools you would use on a real incident, and fix it the way you would keep the fix.",
            matters: "A leaked test set, a renamed field or a tokenizer mix-up does not crash anything at first: it makes the numbers look better or quietly wrong. Practised once, you recognise it the next time.",
            mistake: "Fixing the symptom by hand (editing the file, re-running with another seed) instead of recording the fix: a contract on the schema, a removal as a version, the tokenizer id on the dataset.",
        }),
    },
    Lab {
        id: "runbook",
        title: "Runbook & portfolio",
        anchors: "APP-B, APP-C, CODE-02",
        slides: "27, 28, 29",
        summary: "Release gates, the run order with live checks, the portfolio pack and a replayable pipeline.",
        built: true,
        teaching: Some(Teaching {
            lead: "The end of the loop: a dataset version earns its release. Slide 24's eleven gates are read from what the labs recorded — audits, gate runs, dedup, the tokenizer, the A/B log — and a gate that cannot pass is waived only with a written reason. The runbook shows the deck's run order with live verification points; the portfolio pack and the pipeline spec make the work leave as files real tools read, and replay it step by step.",
            wisdom: "Data release discipline is model release discipline.",
            means: "Releasing a dataset is like releasing code: checks must pass, the version gets a tag and a changelog entry, and it never changes afterwards — a fix is a new version.",
            matters: "A model is only as trustworthy as the data it was trained on; gates, hashes and a replayable pipeline let anyone check that the data is what you say it is.",
            mistake: "Pushing an “almost cleaned” dataset into training, or waiving a gate without saying why.",
        }),
    },
];

/// The lab shown when the URL names none (or names one that is not built): the loop, the course's map.
pub const DEFAULT_LAB: &str = "loop";

/// The lab a page's query names: `lab=`, or — for links made when the workbench was the home page — the
/// tokenizer workbench when the query carries its text or encodings.
pub fn lab_in(query: &crate::core::urlstate::Query) -> Option<&str> {
    query.get("lab").or_else(|| {
        (query.get("text").is_some() || query.get("enc").is_some()).then_some("tokenizer")
    })
}

/// The lab with this id (built or planned).
pub fn by_id(id: &str) -> Option<&'static Lab> {
    LABS.iter().find(|l| l.id == id)
}

/// Other names a URL may use for a lab's page: the baselines share the IMDb page (they train on its splits),
/// and the A/B lab was first listed as "experiments".
pub static ALIASES: &[(&str, &str)] = &[("baselines", "imdb"), ("experiments", "ab")];

/// Finds a built lab by id, falling back to the default.
pub fn resolve(id: Option<&str>) -> &'static Lab {
    let id = id.map(|id| {
        ALIASES
            .iter()
            .find(|(alias, _)| *alias == id)
            .map_or(id, |(_, to)| *to)
    });
    id.and_then(|id| LABS.iter().find(|l| l.id == id && l.built))
        .or_else(|| LABS.iter().find(|l| l.id == DEFAULT_LAB))
        .expect("the default lab is in LABS")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_labs_teach_and_planned_ones_do_not_pretend() {
        for lab in LABS {
            assert_eq!(lab.built, lab.teaching.is_some(), "{}", lab.id);
            if let Some(t) = lab.teaching {
                for text in [t.lead, t.wisdom, t.means, t.matters, t.mistake] {
                    assert!(
                        text.len() > 20 && !text.contains("  "),
                        "{}: {text:?}",
                        lab.id
                    );
                }
            }
        }
        assert_eq!(by_id("quality").unwrap().anchors, "ADDON-B-LAB-APP-A");
        assert!(by_id("nope").is_none());
    }

    #[test]
    fn ids_unique_and_default_built() {
        let mut ids: Vec<_> = LABS.iter().map(|l| l.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), LABS.len());
        assert!(resolve(None).built);
        for planned in LABS.iter().filter(|l| !l.built) {
            assert_eq!(
                resolve(Some(planned.id)).id,
                DEFAULT_LAB,
                "planned labs are not routable"
            );
        }
        assert_eq!(resolve(Some("no-such-lab")).id, DEFAULT_LAB);
        assert_eq!(resolve(Some("runbook")).id, "runbook");
        assert_eq!(
            resolve(Some("baselines")).id,
            "imdb",
            "the baselines share the IMDb page"
        );
        assert_eq!(resolve(Some("generate")).id, "generate");
        assert_eq!(resolve(Some("nope")).id, DEFAULT_LAB);
        assert_eq!(resolve(None).id, "loop", "the bare URL opens the loop");
    }

    #[test]
    fn old_workbench_links_still_open_the_workbench() {
        use crate::core::urlstate::Query;
        assert_eq!(lab_in(&Query::parse("?text=Hello")), Some("tokenizer"));
        assert_eq!(
            lab_in(&Query::parse("?embed=1&enc=gpt2")),
            Some("tokenizer")
        );
        assert_eq!(lab_in(&Query::parse("?lab=ab&text=x")), Some("ab"));
        assert_eq!(lab_in(&Query::parse("?embed=1")), None);
        assert_eq!(resolve(lab_in(&Query::parse(""))).id, "loop");
    }
}
