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
}

/// All labs, runbook order.
pub static LABS: &[Lab] = &[
    Lab {
        id: "workspace",
        title: "Dataset workspace",
        anchors: "LAB-07 (schema drift)",
        slides: "4, 11, 23",
        summary: "Import, validate and version instruction datasets; lineage and rollback.",
        built: true,
    },
    Lab {
        id: "generate",
        title: "Generate with Ollama (Magpie)",
        anchors: "ADDON-B-LAB-01",
        slides: "4, 13",
        summary: "Draft instruction data with a local model, seeded and traceable.",
        built: true,
    },
    Lab {
        id: "quality",
        title: "Quality gates & dedup",
        anchors: "ADDON-B-LAB-APP-A",
        slides: "6, 14, 24",
        summary: "Score every row, find near-duplicates and split leakage.",
        built: true,
    },
    Lab {
        id: "refine",
        title: "Refine by reflection",
        anchors: "ADDON-B-LAB-02, CODE-01",
        slides: "5, 15, 17",
        summary: "Critique and revise rows; review every before/after.",
        built: true,
    },
    Lab {
        id: "tokenizer",
        title: "Tokenizer workbench",
        anchors: "ADDON-B-LAB-03",
        slides: "8, 9, 18",
        summary: "See how GPT-2, cl100k_base and o200k_base split the same text.",
        built: true,
    },
    Lab {
        id: "extend",
        title: "Extend the tokenizer",
        anchors: "ADDON-B-LAB-03",
        slides: "8, 9, 16, 19",
        summary: "Add domain terms two ways and measure what they save.",
        built: true,
    },
    Lab {
        id: "experiments",
        title: "A/B experiments",
        anchors: "ADDON-B-LAB-04",
        slides: "10, 20",
        summary: "Change one thing at a time and compare with intervals.",
        built: false,
    },
    Lab {
        id: "imdb",
        title: "IMDb bootstrap & baselines",
        anchors: "ADDON-B-LAB-05, LAB-06, LAB-08",
        slides: "11, 12, 21, 22, 26",
        summary: "Byte-identical, reproducible splits; majority class and logistic regression beside published numbers.",
        built: true,
    },
    Lab {
        id: "drills",
        title: "Failure drills",
        anchors: "ADDON-B-LAB-07",
        slides: "25",
        summary: "Schema drift, duplicate leakage, tokenizer mismatch.",
        built: false,
    },
    Lab {
        id: "runbook",
        title: "Runbook & portfolio",
        anchors: "APP-B, APP-C, CODE-02",
        slides: "27, 28, 29",
        summary: "The whole workflow with its gates, and the evidence to hand in.",
        built: false,
    },
];

/// The lab shown when the URL names none (or names one that is not built).
pub const DEFAULT_LAB: &str = "tokenizer";

/// Finds a built lab by id, falling back to the default.
pub fn resolve(id: Option<&str>) -> &'static Lab {
    // The baselines share the IMDb page (they train on its splits).
    let id = id.map(|id| if id == "baselines" { "imdb" } else { id });
    id.and_then(|id| LABS.iter().find(|l| l.id == id && l.built))
        .or_else(|| LABS.iter().find(|l| l.id == DEFAULT_LAB))
        .expect("the default lab is in LABS")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_unique_and_default_built() {
        let mut ids: Vec<_> = LABS.iter().map(|l| l.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), LABS.len());
        assert!(resolve(None).built);
        assert_eq!(
            resolve(Some("drills")).id,
            DEFAULT_LAB,
            "planned labs are not routable"
        );
        assert_eq!(
            resolve(Some("baselines")).id,
            "imdb",
            "the baselines share the IMDb page"
        );
        assert_eq!(resolve(Some("generate")).id, "generate");
        assert_eq!(resolve(Some("nope")).id, DEFAULT_LAB);
    }
}
