//! The quality lab's long jobs as plain data: what the page asks the background worker to do, and what comes
//! back. Both sides share these types, so the message format has one definition; the work itself is here,
//! testable natively, and the worker only carries it out.

use serde::{Deserialize, Serialize};

use super::dedup::{duplicates_of_rows, leakage, row_text, Leak, NearDupParams, NearDupReport};
use super::gates::GateConfig;
use super::scorecard::{run_gates, GateRun, TokenCounter};
use crate::core::dataset::record::{Provenance, Record};

/// A job over some rows (sent with the rows' fields, three strings per row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    /// Every enabled gate; token lengths with `encoding` (its rank file travels with the job).
    Gates {
        config: GateConfig,
        encoding: Option<String>,
    },
    /// Exact and near duplicates.
    Duplicates { params: NearDupParams },
    /// Train rows (the first `train`) that duplicate test rows (the rest).
    Leakage { params: NearDupParams, train: usize },
}

/// Exact and near duplicates of one version.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DuplicateReport {
    pub params: NearDupParams,
    /// Groups of rows equal after normalising (each in row order).
    pub exact: Vec<Vec<usize>>,
    pub near: NearDupReport,
    pub millis: f64,
    #[serde(default)]
    pub compute_millis: f64,
}

/// Train rows found in the test split.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LeakageReport {
    pub params: NearDupParams,
    pub train_rows: usize,
    pub test_rows: usize,
    pub leaks: Vec<Leak>,
    pub millis: f64,
    #[serde(default)]
    pub compute_millis: f64,
}

/// What a job gives back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    Gates(Box<GateRun>),
    Duplicates(Box<DuplicateReport>),
    Leakage(Box<LeakageReport>),
}

impl Outcome {
    /// Records how long the job took in all, and the work itself (without receiving the rows).
    pub fn set_millis(&mut self, total: f64, compute: f64) {
        match self {
            Outcome::Gates(r) => (r.millis, r.compute_millis) = (total, compute),
            Outcome::Duplicates(r) => (r.millis, r.compute_millis) = (total, compute),
            Outcome::Leakage(r) => (r.millis, r.compute_millis) = (total, compute),
        }
    }
}

/// Rows packed into one byte buffer — each field as its UTF-8 length (u32, little-endian) then its bytes,
/// three fields per row — the form rows travel to the worker in: one transferable buffer moves without a
/// copy, where 150k separate strings would be cloned one by one on the page's thread.
pub fn pack_rows(rows: &[Record], out: &mut Vec<u8>) {
    for r in rows {
        for f in [&r.instruction, &r.input, &r.output] {
            out.extend_from_slice(&(f.len() as u32).to_le_bytes());
            out.extend_from_slice(f.as_bytes());
        }
    }
}

/// The bytes [`pack_rows`] needs for `rows`.
pub fn packed_len(rows: &[Record]) -> usize {
    rows.iter()
        .map(|r| 12 + r.instruction.len() + r.input.len() + r.output.len())
        .sum()
}

/// Rows back from [`pack_rows`]' buffer.
pub fn unpack_rows(mut bytes: &[u8]) -> Result<Vec<Record>, String> {
    let mut rows = Vec::new();
    let field = |bytes: &mut &[u8]| -> Result<String, String> {
        let (len, rest) = bytes
            .split_first_chunk::<4>()
            .ok_or("the packed rows end inside a length")?;
        let len = u32::from_le_bytes(*len) as usize;
        if rest.len() < len {
            return Err("the packed rows end inside a field".into());
        }
        let (text, rest) = rest.split_at(len);
        *bytes = rest;
        String::from_utf8(text.to_vec()).map_err(|e| format!("a packed field is not UTF-8: {e}"))
    };
    while !bytes.is_empty() {
        let instruction = field(&mut bytes)?;
        let input = field(&mut bytes)?;
        let output = field(&mut bytes)?;
        rows.push(Record {
            instruction,
            input,
            output,
            provenance: Provenance::generated("quality-worker", None),
        });
    }
    Ok(rows)
}

/// Carries out `job` over `rows`.
pub fn run(
    job: &Job,
    rows: &[Record],
    tokens: Option<TokenCounter<'_>>,
    progress: &mut dyn FnMut(f64),
) -> Result<Outcome, String> {
    Ok(match job {
        Job::Gates { config, encoding } => {
            let mut run = run_gates(rows, config, tokens, progress);
            run.encoding = encoding.clone();
            Outcome::Gates(Box::new(run))
        }
        Job::Duplicates { params } => {
            params.check()?;
            let (near, exact) = duplicates_of_rows(rows, params, progress);
            Outcome::Duplicates(Box::new(DuplicateReport {
                params: params.clone(),
                exact,
                near,
                millis: 0.0,
                compute_millis: 0.0,
            }))
        }
        Job::Leakage { params, train } => {
            params.check()?;
            let train = (*train).min(rows.len());
            let texts: Vec<String> = rows.iter().map(row_text).collect();
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let leaks = leakage(&refs, train, params, progress);
            Outcome::Leakage(Box::new(LeakageReport {
                params: params.clone(),
                train_rows: train,
                test_rows: rows.len() - train,
                leaks,
                millis: 0.0,
                compute_millis: 0.0,
            }))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_round_trip_as_json_and_run() {
        let job = Job::Duplicates {
            params: NearDupParams::default(),
        };
        let json = serde_json::to_string(&job).unwrap();
        assert_eq!(serde_json::from_str::<Job>(&json).unwrap(), job);
        let original: Vec<Record> = [
            ["Say hi.", "", "Hello there, friend."],
            ["say hi", "", "hello there friend"],
            ["Count.", "", "One two three — ünïcode."],
        ]
        .map(|[i, n, o]| Record {
            instruction: i.into(),
            input: n.into(),
            output: o.into(),
            provenance: Provenance::generated("quality-worker", None),
        })
        .to_vec();
        let mut packed = Vec::new();
        pack_rows(&original, &mut packed);
        assert_eq!(packed.len(), packed_len(&original));
        let rows = unpack_rows(&packed).unwrap();
        assert_eq!(rows, original);
        assert!(unpack_rows(&packed[..packed.len() - 1]).is_err());
        let Outcome::Duplicates(r) = run(&job, &rows, None, &mut |_| {}).unwrap() else {
            panic!("a duplicates job gives a duplicates report")
        };
        assert_eq!(r.exact, vec![vec![0, 1]]);
        assert_eq!(
            r.near.pairs.len(),
            1,
            "exact duplicates are near duplicates too"
        );
        let back: Outcome =
            serde_json::from_str(&serde_json::to_string(&Outcome::Duplicates(r)).unwrap()).unwrap();
        assert!(matches!(back, Outcome::Duplicates(_)));
    }

    #[test]
    fn bad_parameters_are_refused_by_name() {
        let job = Job::Duplicates {
            params: NearDupParams {
                shingle: 0,
                ..Default::default()
            },
        };
        assert!(run(&job, &[], None, &mut |_| {})
            .unwrap_err()
            .contains("Shingle size"));
    }
}
