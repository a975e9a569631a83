//! Around the drills: the scoreboard (per attempt: found or not, steps taken, hints used, time) that the
//! page keeps across reloads and exports for the portfolio, and the instructor's drill pack — one file
//! with the dataset, the faults and the seed, so every student of a class plants the same faults.

use serde::{Deserialize, Serialize};

use super::leak::LeakPlan;
use super::schema::DriftPlan;

/// The drills, by id and title.
pub const DRILLS: [(&str, &str); 3] = [
    ("schema-drift", "Schema drift"),
    ("duplicate-leakage", "Duplicate leakage"),
    ("tokenizer-mismatch", "Tokenizer mismatch"),
];

/// The title of drill `id`.
pub fn title(id: &str) -> &str {
    DRILLS.iter().find(|(d, _)| *d == id).map_or(id, |(_, t)| t)
}

/// One attempt at one drill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    pub drill: String,
    pub seed: u64,
    /// ISO 8601 time the fault was planted.
    pub started: String,
    /// The page's clock then (ms), for the time taken.
    pub started_ms: f64,
    /// Actions taken since the fault was planted (checks run, versions made, files imported).
    pub steps: u32,
    pub hints: u32,
    /// `None` while the attempt is open.
    pub found: Option<bool>,
    pub seconds: Option<f64>,
    /// One line on the outcome ("9 of 10 planted rows found; 1 missed: …").
    pub detail: String,
}

/// Every attempt, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Board {
    pub attempts: Vec<Attempt>,
}

impl Board {
    /// Opens an attempt at `drill` (an open attempt at the same drill is closed as not found).
    pub fn start(&mut self, drill: &str, seed: u64, iso: &str, now_ms: f64) {
        if let Some(a) = self.open_mut(drill) {
            a.found = Some(false);
            a.seconds = Some((now_ms - a.started_ms) / 1000.0);
            a.detail = "abandoned: the fault was planted again".into();
        }
        self.attempts.push(Attempt {
            drill: drill.into(),
            seed,
            started: iso.into(),
            started_ms: now_ms,
            steps: 0,
            hints: 0,
            found: None,
            seconds: None,
            detail: String::new(),
        });
    }

    /// The open attempt at `drill`, if any.
    pub fn open(&self, drill: &str) -> Option<&Attempt> {
        self.attempts
            .iter()
            .rev()
            .find(|a| a.drill == drill)
            .filter(|a| a.found.is_none())
    }

    fn open_mut(&mut self, drill: &str) -> Option<&mut Attempt> {
        self.attempts
            .iter_mut()
            .rev()
            .find(|a| a.drill == drill)
            .filter(|a| a.found.is_none())
    }

    /// Counts a step of the open attempt at `drill` (nothing when none is open).
    pub fn step(&mut self, drill: &str) {
        if let Some(a) = self.open_mut(drill) {
            a.steps += 1;
        }
    }

    /// Counts a hint; returns how many hints the open attempt has used (0 when none is open).
    pub fn hint(&mut self, drill: &str) -> u32 {
        match self.open_mut(drill) {
            Some(a) => {
                a.hints += 1;
                a.hints
            }
            None => 0,
        }
    }

    /// Closes the open attempt at `drill` with its outcome.
    pub fn finish(&mut self, drill: &str, found: bool, detail: &str, now_ms: f64) {
        if let Some(a) = self.open_mut(drill) {
            a.found = Some(found);
            a.seconds = Some(((now_ms - a.started_ms) / 1000.0).max(0.0));
            a.detail = detail.into();
        }
    }

    /// The board as stored; an unreadable store gives an empty board and says why.
    pub fn from_json(text: &str) -> (Board, Option<String>) {
        match serde_json::from_str(text) {
            Ok(b) => (b, None),
            Err(e) => (
                Board::default(),
                Some(format!(
                    "The saved scoreboard could not be read ({e}); it starts empty."
                )),
            ),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The board as a Markdown table, for the portfolio.
    pub fn to_markdown(&self) -> String {
        let mut s = String::from(
            "| Drill | Seed | Started | Found | Steps | Hints | Time | Outcome |\n|---|---:|---|---|---:|---:|---:|---|\n",
        );
        for a in &self.attempts {
            let found = match a.found {
                None => "open",
                Some(true) => "yes",
                Some(false) => "no",
            };
            let time = a.seconds.map_or("—".to_string(), |t| format!("{t:.0} s"));
            s.push_str(&format!(
                "| {} | {} | {} | {found} | {} | {} | {time} | {} |\n",
                title(&a.drill),
                a.seed,
                a.started,
                a.steps,
                a.hints,
                a.detail.replace('|', "\\|")
            ));
        }
        s
    }
}

/// The `format` of a drill pack.
pub const PACK_FORMAT: &str = "datalab-drill-pack";

/// One row of a pack's dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackRow {
    pub instruction: String,
    #[serde(default)]
    pub input: String,
    pub output: String,
}

/// What an instructor hands a class: the dataset, the faults and the seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pack {
    pub format: String,
    pub version: u32,
    pub title: String,
    pub seed: u64,
    pub created: String,
    pub rows: Vec<PackRow>,
    /// The drills the pack sets (a drill left out is not part of the class).
    pub schema: Option<DriftPlan>,
    pub leak: Option<LeakPlan>,
    /// The tokenizer-mismatch scenario's id.
    pub tokens: Option<String>,
}

impl Pack {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads a pack, naming what is wrong (serde names the field and the line).
    pub fn from_json(text: &str) -> Result<Pack, String> {
        let p: Pack = serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
            format!("This is not a drill pack datalab can read: {e}. Export the pack again from instructor mode.")
        })?;
        if p.format != PACK_FORMAT {
            return Err(format!(
                "Field \"format\" is \"{}\", not \"{PACK_FORMAT}\": this file is not a drill pack.",
                p.format
            ));
        }
        if p.version != 1 {
            return Err(format!(
                "Field \"version\" is {}; this lab reads drill packs of version 1. Update the lab.",
                p.version
            ));
        }
        if p.rows.len() < 10 {
            return Err(format!(
                "Field \"rows\" has {} rows; a drill needs at least 10.",
                p.rows.len()
            ));
        }
        if let Some(l) = &p.leak {
            l.check().map_err(|e| format!("Field \"leak\": {e}"))?;
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_count_steps_hints_and_time() {
        let mut b = Board::default();
        b.step("duplicate-leakage");
        assert!(b.attempts.is_empty(), "no open attempt: nothing counted");
        b.start("duplicate-leakage", 25, "2026-12-03T10:00:00Z", 1000.0);
        b.step("duplicate-leakage");
        b.step("duplicate-leakage");
        assert_eq!(b.hint("duplicate-leakage"), 1);
        b.step("schema-drift");
        b.finish("duplicate-leakage", true, "10 of 10 found", 61_000.0);
        let a = &b.attempts[0];
        assert_eq!(
            (a.steps, a.hints, a.found, a.seconds),
            (2, 1, Some(true), Some(60.0))
        );
        assert!(b.open("duplicate-leakage").is_none());
        // Planting again while open closes the open attempt as abandoned.
        b.start("schema-drift", 7, "t", 0.0);
        b.start("schema-drift", 8, "t", 5000.0);
        assert_eq!(b.attempts[1].found, Some(false));
        assert_eq!(b.open("schema-drift").unwrap().seed, 8);
        let (back, err) = Board::from_json(&b.to_json());
        assert_eq!((back, err), (b.clone(), None));
        let md = b.to_markdown();
        assert!(md.contains("| Duplicate leakage | 25 |"));
        assert!(md.contains("| open |"));
        let (empty, err) = Board::from_json("{not json");
        assert!(empty.attempts.is_empty() && err.unwrap().contains("starts empty"));
    }

    #[test]
    fn packs_round_trip_and_bad_packs_are_named() {
        let rows: Vec<PackRow> = (0..12)
            .map(|i| PackRow {
                instruction: format!("q{i}"),
                input: String::new(),
                output: format!("a{i}"),
            })
            .collect();
        let p = Pack {
            format: PACK_FORMAT.into(),
            version: 1,
            title: "Week 6".into(),
            seed: 42,
            created: "2026-12-03".into(),
            rows,
            schema: Some(DriftPlan::default()),
            leak: Some(LeakPlan::default()),
            tokens: Some("extended-on-base".into()),
        };
        assert_eq!(Pack::from_json(&p.to_json()).unwrap(), p);
        let other = p.to_json().replace(PACK_FORMAT, "something-else");
        assert!(Pack::from_json(&other).unwrap_err().contains("\"format\""));
        let missing = p.to_json().replace("\"seed\": 42,", "");
        assert!(Pack::from_json(&missing).unwrap_err().contains("seed"));
        let mut small = p.clone();
        small.rows.truncate(3);
        assert!(Pack::from_json(&small.to_json())
            .unwrap_err()
            .contains("\"rows\""));
    }
}
