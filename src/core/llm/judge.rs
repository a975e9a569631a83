//! An LLM judge with a fixed rubric, to ask "did the refinement help?" with a number instead of a feeling.
//!
//! The same rubric, prompt and sampling score the original and the revised version of each row; the
//! paired differences (after − before) then get a mean and a bootstrap interval
//! ([`crate::core::stats::bootstrap_mean_ci`]). Pairing matters: rows differ far more from each other than
//! a revision changes one row, so comparing each row with itself removes most of the noise.
//!
//! A judge is a model too — it prefers longer answers and its own style — so the lab presents the scores
//! as evidence to weigh next to the review, not as ground truth. The reply is constrained with a JSON
//! schema in Ollama's `format` field ([`schema`]), and [`parse_scores`] still checks every number, because
//! OpenAI-compatible endpoints and older Ollama versions may ignore the schema.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::core::dataset::record::Record;

/// One thing the judge scores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    /// The JSON key of the score: lower-case letters, digits and `_`.
    pub id: String,
    /// The name the lab shows.
    pub name: String,
    /// What the judge is told to look for.
    pub description: String,
}

/// The criteria and the score range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rubric {
    pub criteria: Vec<Criterion>,
    pub scale_min: u8,
    pub scale_max: u8,
}

impl Default for Rubric {
    /// The answer criteria of Reflection-Tuning, plus the clarity of the instruction (which instruction
    /// reflection rewrites, so it needs a score too).
    fn default() -> Self {
        let c = |id: &str, name: &str, description: &str| Criterion {
            id: id.to_string(),
            name: name.to_string(),
            description: description.to_string(),
        };
        Rubric {
            criteria: vec![
                c(
                    "helpfulness",
                    "Helpfulness",
                    "Does the answer actually do what the instruction asks?",
                ),
                c(
                    "relevance",
                    "Relevance",
                    "Does the answer stay on the task, without padding or digressions?",
                ),
                c(
                    "accuracy",
                    "Accuracy",
                    "Is every statement in the answer correct?",
                ),
                c(
                    "level_of_detail",
                    "Level of detail",
                    "Is the answer as detailed as the task needs — no less, no more?",
                ),
                c(
                    "clarity",
                    "Clarity of the instruction",
                    "Could a person tell exactly what the instruction asks for?",
                ),
            ],
            scale_min: 1,
            scale_max: 5,
        }
    }
}

/// The key of the short justification in the judge's reply; no criterion may use it.
pub const REASON: &str = "reason";

impl Rubric {
    /// Checks an edited rubric: criterion ids become JSON keys and must be unique and simple.
    pub fn validate(&self) -> Result<(), String> {
        if self.criteria.is_empty() {
            return Err("criteria: the rubric has no criteria; add at least one".to_string());
        }
        if self.scale_min >= self.scale_max {
            return Err(format!(
                "scale_min: the scale {}–{} is empty; scale_min must be below scale_max",
                self.scale_min, self.scale_max
            ));
        }
        for (i, c) in self.criteria.iter().enumerate() {
            let simple = !c.id.is_empty()
                && c.id
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
            if !simple {
                return Err(format!(
                    "criteria[{}].id: \"{}\" must be lower-case letters, digits or _ (it is a JSON key)",
                    i + 1,
                    c.id
                ));
            }
            if c.id == REASON {
                return Err(format!(
                    "criteria[{}].id: \"{REASON}\" is the key of the judge's explanation; pick another id",
                    i + 1
                ));
            }
            if self.criteria[..i].iter().any(|d| d.id == c.id) {
                return Err(format!(
                    "criteria[{}].id: \"{}\" is used twice; ids must be unique",
                    i + 1,
                    c.id
                ));
            }
            if c.name.trim().is_empty() {
                return Err(format!(
                    "criteria[{}].name: the criterion \"{}\" needs a name",
                    i + 1,
                    c.id
                ));
            }
        }
        Ok(())
    }
}

/// The (system, user) messages asking for the scores of one row. Send them with temperature 0 (see
/// [`options`]) and `format` set to [`schema`].
pub fn prompt(rubric: &Rubric, record: &Record) -> (String, String) {
    let (lo, hi) = (rubric.scale_min, rubric.scale_max);
    let system = format!(
        "You are a strict and consistent grader of training examples for instruction-following language \
         models. You score one example on each criterion with a whole number from {lo} (poor) to {hi} \
         (excellent), judging only what is written, and reply with a single JSON object and nothing else."
    );
    let mut user = format!(
        "Score this example.\n\nInstruction:\n{}\n",
        record.instruction
    );
    if !record.input.trim().is_empty() {
        user.push_str(&format!("\nInput:\n{}\n", record.input));
    }
    user.push_str(&format!(
        "\nAnswer:\n{}\n\nCriteria (each a whole number from {lo} to {hi}):\n",
        record.output
    ));
    for c in &rubric.criteria {
        user.push_str(&format!("- \"{}\" ({}): {}\n", c.id, c.name, c.description));
    }
    let keys: Vec<String> = rubric
        .criteria
        .iter()
        .map(|c| format!("\"{}\"", c.id))
        .collect();
    user.push_str(&format!(
        "\nReply with one JSON object with the keys {}, and \"{REASON}\": one sentence on the main weakness.",
        keys.join(", ")
    ));
    (system, user)
}

/// Ollama `options` for judging: temperature 0 and a fixed seed, so the same row gets the same score.
pub fn options(seed: u32) -> Value {
    json!({ "temperature": 0.0, "seed": seed })
}

/// A JSON schema for Ollama's `format` field: one integer per criterion within the scale, plus a string
/// `reason`, all required. Ollama turns it into a grammar, so the reply cannot be anything else. (The
/// order of the keys in the reply is not guaranteed to follow the rubric.)
pub fn schema(rubric: &Rubric) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for c in &rubric.criteria {
        properties.insert(
            c.id.clone(),
            json!({
                "type": "integer",
                "minimum": rubric.scale_min,
                "maximum": rubric.scale_max,
                "description": c.name,
            }),
        );
        required.push(json!(c.id));
    }
    properties.insert(
        REASON.to_string(),
        json!({ "type": "string", "description": "One sentence on the main weakness." }),
    );
    required.push(json!(REASON));
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
    })
}

/// One criterion's score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    pub id: String,
    pub value: u8,
}

/// The judge's scores of one row, in rubric order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scores {
    pub values: Vec<Score>,
    /// The judge's justification (`""` when it gave none).
    pub reason: String,
}

impl Scores {
    /// The mean over all criteria: the row's overall score.
    pub fn mean(&self) -> f64 {
        if self.values.is_empty() {
            return 0.0;
        }
        self.values.iter().map(|s| s.value as f64).sum::<f64>() / self.values.len() as f64
    }

    /// The score of one criterion.
    pub fn get(&self, id: &str) -> Option<u8> {
        self.values.iter().find(|s| s.id == id).map(|s| s.value)
    }
}

/// Reads the judge's reply. Tolerates prose or a code fence around the JSON object (models add them
/// when the schema is not enforced), keys in another case or given by the criterion's name, and numbers
/// written as `4.0` or `"4"`. Every criterion must be present and a whole number within the scale; the
/// error names the first that is not.
pub fn parse_scores(rubric: &Rubric, text: &str) -> Result<Scores, String> {
    let object = find_object(text).ok_or_else(|| {
        "the judge's reply contains no JSON object; check that the model supports `format` or read the raw reply"
            .to_string()
    })?;
    let mut values = Vec::with_capacity(rubric.criteria.len());
    for c in &rubric.criteria {
        let value = lookup(&object, c).ok_or_else(|| {
            format!(
                "criterion \"{}\" ({}) is missing from the judge's reply",
                c.id, c.name
            )
        })?;
        let bad = || {
            format!(
                "criterion \"{}\" ({}): expected a whole number from {} to {}, got {value}",
                c.id, c.name, rubric.scale_min, rubric.scale_max
            )
        };
        let number = match value {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        }
        .ok_or_else(bad)?;
        let in_range = number >= rubric.scale_min as f64 && number <= rubric.scale_max as f64;
        if number.fract() != 0.0 || !in_range {
            return Err(bad());
        }
        values.push(Score {
            id: c.id.clone(),
            value: number as u8,
        });
    }
    let reason = object
        .get(REASON)
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim()
        .to_string();
    Ok(Scores { values, reason })
}

/// A criterion's value by id, else by id or name ignoring case, spaces and `_`.
fn lookup<'a>(object: &'a Map<String, Value>, c: &Criterion) -> Option<&'a Value> {
    let key = |s: &str| {
        s.chars()
            .filter(|ch| ch.is_alphanumeric())
            .collect::<String>()
            .to_lowercase()
    };
    let (id, name) = (key(&c.id), key(&c.name));
    object.get(&c.id).or_else(|| {
        object
            .iter()
            .find(|(k, _)| {
                let k = key(k);
                k == id || k == name
            })
            .map(|(_, v)| v)
    })
}

/// The first balanced `{…}` in `text` that parses as a JSON object (string contents are skipped when
/// matching braces, so a `}` inside the reason does not end the object early).
fn find_object(text: &str) -> Option<Map<String, Value>> {
    for (start, _) in text.match_indices('{') {
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        for (i, ch) in text[start..].char_indices() {
            if in_string {
                match ch {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => in_string = false,
                    _ => {}
                }
                continue;
            }
            match ch {
                '"' => in_string = true,
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        if let Ok(Value::Object(map)) =
                            serde_json::from_str(&text[start..start + i + 1])
                        {
                            return Some(map);
                        }
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    None
}

/// Paired differences "after − before" of the rows both judged, for the bootstrap interval: the mean
/// score, or one criterion's score when `criterion` is given. Rows where either judgement failed (or the
/// criterion is absent) are left out rather than counted as zero.
pub fn paired_deltas(
    before: &[Option<Scores>],
    after: &[Option<Scores>],
    criterion: Option<&str>,
) -> Vec<f64> {
    let value = |s: &Scores| match criterion {
        Some(id) => s.get(id).map(f64::from),
        None => Some(s.mean()),
    };
    before
        .iter()
        .zip(after)
        .filter_map(|(b, a)| Some(value(a.as_ref()?)? - value(b.as_ref()?)?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::dataset::record::Provenance;

    fn rec(input: &str) -> Record {
        Record {
            instruction: "Name a primary colour.".into(),
            input: input.into(),
            output: "Red.".into(),
            provenance: Provenance::file("t.json", 1),
        }
    }

    const GOOD: &str = r#"{"helpfulness": 4, "relevance": 5, "accuracy": 5, "level_of_detail": 2, "clarity": 4, "reason": "Too short."}"#;

    #[test]
    fn default_rubric_is_valid() {
        let r = Rubric::default();
        assert_eq!(r.validate(), Ok(()));
        assert_eq!(r.criteria.len(), 5);
        assert_eq!((r.scale_min, r.scale_max), (1, 5));
    }

    #[test]
    fn rubric_validation_names_the_problem() {
        let mut r = Rubric::default();
        r.criteria[1].id = "helpfulness".into();
        assert!(r.validate().unwrap_err().contains("criteria[2].id"));
        r.criteria[1].id = "Level Of Detail".into();
        assert!(r.validate().unwrap_err().contains("lower-case"));
        r.criteria[1].id = "reason".into();
        assert!(r.validate().unwrap_err().contains("explanation"));
        let r = Rubric {
            scale_min: 5,
            ..Rubric::default()
        };
        assert!(r.validate().unwrap_err().starts_with("scale_min"));
    }

    #[test]
    fn prompt_lists_every_criterion_and_the_input_only_when_present() {
        let (system, user) = prompt(&Rubric::default(), &rec(""));
        assert!(system.contains("from 1 (poor) to 5"));
        assert!(user.contains("Instruction:\nName a primary colour.\n"));
        assert!(user.contains("Answer:\nRed.\n"));
        assert!(!user.contains("Input:"));
        for c in &Rubric::default().criteria {
            assert!(user.contains(&format!("\"{}\"", c.id)), "{}", c.id);
        }
        let (_, user) = prompt(&Rubric::default(), &rec("Pick one."));
        assert!(user.contains("Input:\nPick one.\n"));
    }

    #[test]
    fn schema_requires_every_score_in_range() {
        let s = schema(&Rubric::default());
        assert_eq!(s["type"], "object");
        assert_eq!(s["properties"]["accuracy"]["type"], "integer");
        assert_eq!(s["properties"]["accuracy"]["minimum"], 1);
        assert_eq!(s["properties"]["accuracy"]["maximum"], 5);
        assert_eq!(s["properties"]["reason"]["type"], "string");
        let required: Vec<&str> = s["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(
            required,
            [
                "helpfulness",
                "relevance",
                "accuracy",
                "level_of_detail",
                "clarity",
                "reason"
            ]
        );
        assert_eq!(options(123)["temperature"], 0.0);
    }

    #[test]
    fn parses_clean_and_wrapped_replies() {
        let r = Rubric::default();
        let s = parse_scores(&r, GOOD).unwrap();
        assert_eq!(s.get("level_of_detail"), Some(2));
        assert_eq!(s.mean(), 4.0);
        assert_eq!(s.reason, "Too short.");
        let fenced = format!("Here are my scores:\n```json\n{GOOD}\n```\nHope this helps {{:)}}");
        assert_eq!(parse_scores(&r, &fenced).unwrap(), s);
        // Tolerant keys and numbers; a brace inside the reason does not end the object.
        let loose = r#"{"Helpfulness": 4.0, "RELEVANCE": "5", "accuracy": 5, "Level of detail": 2, "clarity": 4, "reason": "Uses } oddly."}"#;
        let t = parse_scores(&r, loose).unwrap();
        assert_eq!(t.values, s.values);
        assert_eq!(t.reason, "Uses } oddly.");
        // No reason is fine.
        let bare = r#"{"helpfulness": 1, "relevance": 1, "accuracy": 1, "level_of_detail": 1, "clarity": 1}"#;
        assert_eq!(parse_scores(&r, bare).unwrap().reason, "");
    }

    #[test]
    fn errors_name_the_criterion() {
        let r = Rubric::default();
        let e = parse_scores(&r, &GOOD.replace("\"accuracy\": 5, ", "")).unwrap_err();
        assert!(e.contains("\"accuracy\" (Accuracy) is missing"), "{e}");
        let e =
            parse_scores(&r, &GOOD.replace("\"relevance\": 5", "\"relevance\": 7")).unwrap_err();
        assert!(
            e.contains("\"relevance\"") && e.contains("from 1 to 5, got 7"),
            "{e}"
        );
        let e = parse_scores(&r, &GOOD.replace("\"clarity\": 4", "\"clarity\": 3.5")).unwrap_err();
        assert!(e.contains("\"clarity\"") && e.contains("3.5"), "{e}");
        let e = parse_scores(&r, &GOOD.replace("\"clarity\": 4", "\"clarity\": null")).unwrap_err();
        assert!(e.contains("\"clarity\""), "{e}");
        assert!(parse_scores(&r, "I would give it a 4.")
            .unwrap_err()
            .contains("no JSON object"));
        assert!(parse_scores(&r, "{broken")
            .unwrap_err()
            .contains("no JSON object"));
    }

    #[test]
    fn deltas_pair_rows_and_skip_failures() {
        let r = Rubric::default();
        let s = |h: u8| {
            let text = GOOD.replace("\"helpfulness\": 4", &format!("\"helpfulness\": {h}"));
            Some(parse_scores(&r, &text).unwrap())
        };
        let before = [s(1), s(2), None, s(3)];
        let after = [s(1), s(5), s(4), None];
        assert_eq!(
            paired_deltas(&before, &after, Some("helpfulness")),
            [0.0, 3.0]
        );
        let d = paired_deltas(&before, &after, None);
        assert_eq!(d.len(), 2);
        assert!((d[1] - 0.6).abs() < 1e-12);
        assert!(paired_deltas(&before, &after, Some("nope")).is_empty());
    }
}
