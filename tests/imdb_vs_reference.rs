//! The IMDb lab against the reference tools' own output (fixtures made by
//! `scripts/fixtures/imdb_fixtures.py` with numpy, pandas and scikit-learn; versions are in each file):
//! numpy's permutations, pandas' CSV writing, the reference script's split files for a synthetic archive,
//! and scikit-learn's CountVectorizer and LogisticRegression on a synthetic sentiment set.

use datalab::core::imdb::baseline;
use datalab::core::imdb::bow::{tokens, Vectorizer};
use datalab::core::imdb::csv::{read_split, write_split};
use datalab::core::imdb::logreg::Settings;
use datalab::core::imdb::prepare::{prepare, sha256_hex, SplitSettings};
use datalab::core::imdb::shuffle::{permutation, sample_order};
use datalab::core::imdb::unpack::Unpacker;
use serde_json::Value;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/imdb/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn json(name: &str) -> Value {
    serde_json::from_slice(&fixture(name)).unwrap()
}

fn u32s(v: &Value) -> Vec<u32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as u32)
        .collect()
}

fn sum_i_times_p(p: &[u32]) -> u64 {
    p.iter()
        .enumerate()
        .map(|(i, &v)| i as u64 * u64::from(v))
        .sum()
}

fn sha_u32le(p: &[u32]) -> String {
    let bytes: Vec<u8> = p.iter().flat_map(|v| v.to_le_bytes()).collect();
    sha256_hex(&bytes)
}

#[test]
fn permutations_match_numpy() {
    let f = json("permutations.json");
    let cases = f["cases"].as_array().unwrap();
    assert!(cases.len() >= 30);
    for c in cases {
        let (seed, n) = (
            c["seed"].as_u64().unwrap() as u32,
            c["n"].as_u64().unwrap() as usize,
        );
        assert_eq!(
            permutation(n, seed),
            u32s(&c["permutation"]),
            "seed {seed}, n {n}"
        );
    }
    for c in f["long"].as_array().unwrap() {
        let (seed, n) = (
            c["seed"].as_u64().unwrap() as u32,
            c["n"].as_u64().unwrap() as usize,
        );
        let p = permutation(n, seed);
        let first = u32s(&c["first"]);
        let last = u32s(&c["last"]);
        assert_eq!(p[..first.len()], first[..], "seed {seed}, n {n}");
        assert_eq!(p[n - last.len()..], last[..]);
        assert_eq!(sum_i_times_p(&p), c["sum_of_i_times_p"].as_u64().unwrap());
        assert_eq!(sha_u32le(&p), c["sha256_u32le"].as_str().unwrap());
        let twice = sample_order(n, seed, 2);
        let tf = u32s(&c["twice_first"]);
        assert_eq!(twice[..tf.len()], tf[..]);
        assert_eq!(
            sum_i_times_p(&twice),
            c["twice_sum_of_i_times_p"].as_u64().unwrap()
        );
        assert_eq!(sha_u32le(&twice), c["twice_sha256_u32le"].as_str().unwrap());
    }
}

#[test]
fn csv_matches_pandas_on_awkward_text() {
    let f = json("csv_awkward.json");
    let rows: Vec<(String, u8)> = f["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["text"].as_str().unwrap().to_string(),
                r["label"].as_u64().unwrap() as u8,
            )
        })
        .collect();
    let expected = fixture("csv_awkward.csv");
    let written = write_split(rows.iter().map(|(t, l)| (t.as_str(), *l)), 0);
    assert_eq!(
        String::from_utf8_lossy(&written),
        String::from_utf8_lossy(&expected)
    );
    assert_eq!(written, expected);
    assert_eq!(read_split(&expected).unwrap(), rows);
}

#[test]
fn archive_to_the_reference_scripts_files() {
    let f = json("e2e_expected.json");
    let archive = fixture("e2e.tar.gz");
    assert_eq!(
        sha256_hex(&archive),
        f["archive"]["sha256"].as_str().unwrap()
    );
    let mut u = Unpacker::new();
    for chunk in archive.chunks(4096) {
        u.push(chunk).unwrap();
    }
    let un = u.finish().unwrap();
    assert_eq!(un.reviews.len(), 200);
    for case in ["small", "default"] {
        let c = &f[case];
        let sizes = u32s(&c["sizes"]);
        let settings = SplitSettings {
            seed: c["seed"].as_u64().unwrap() as u32,
            train: sizes[0] as usize,
            validation: sizes[1] as usize,
            test: sizes[2] as usize,
            shuffles: 2,
        };
        let p = prepare(&un.reviews, &settings, &mut |_| {});
        for (k, name) in ["train.csv", "validation.csv", "test.csv"]
            .iter()
            .enumerate()
        {
            let want = &c["files"][name];
            assert_eq!(
                p.stats[k].rows as u64,
                want["rows"].as_u64().unwrap(),
                "{case} {name}"
            );
            assert_eq!(
                p.files[k].len() as u64,
                want["bytes"].as_u64().unwrap(),
                "{case} {name}"
            );
            assert_eq!(
                p.stats[k].sha256,
                want["sha256"].as_str().unwrap(),
                "{case} {name}"
            );
        }
    }
}

#[test]
fn analyzer_matches_count_vectorizer() {
    let f = json("synth_sklearn.json");
    for case in f["analyzer_cases"].as_array().unwrap() {
        let text = case["text"].as_str().unwrap();
        let mut got = Vec::new();
        tokens(text, &mut |t| got.push(t.to_string()));
        let want: Vec<String> = case["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect();
        assert_eq!(got, want, "{text:?}");
    }
}

fn synth(name: &str) -> Vec<(String, u8)> {
    read_split(&fixture(&format!("synth_{name}.csv"))).unwrap()
}

#[test]
fn logistic_regression_matches_scikit_learn() {
    let f = json("synth_sklearn.json");
    let (train, val, test) = (synth("train"), synth("validation"), synth("test"));
    assert_eq!(train.len(), 3000);
    let (v, x) = Vectorizer::fit_transform(train.iter().map(|r| r.0.as_str()), &mut |_| {});
    assert_eq!(v.terms.len() as u64, f["vocabulary_size"].as_u64().unwrap());
    let first: Vec<&str> = f["first_features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(v.terms[..first.len()], first[..]);
    let last: Vec<&str> = f["last_features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(v.terms[v.terms.len() - last.len()..], last[..]);
    assert_eq!(x.nnz() as u64, f["train_nnz"].as_u64().unwrap());
    let sum: f64 = x.values.iter().map(|&c| f64::from(c)).sum();
    assert_eq!(sum as u64, f["train_sum_of_counts"].as_u64().unwrap());

    let r = baseline::run(
        [&train, &val, &test],
        &Settings::default(),
        &|| 0.0,
        &mut |_| {},
    )
    .unwrap();
    let acc = &f["accuracy"];
    for (k, name) in ["train", "validation", "test"].iter().enumerate() {
        let ours = r.logreg[k].unwrap();
        let theirs = acc[name].as_f64().unwrap();
        assert!(
            (ours - theirs).abs() <= 0.005,
            "{name}: ours {ours:.4}, scikit-learn {theirs:.4}"
        );
        assert_eq!(
            r.majority[k].unwrap(),
            f["dummy_accuracy"][name].as_f64().unwrap(),
            "{name}"
        );
    }
    // Same optimum: scikit-learn's objective is the summed loss + ||w||²/2; ours is that divided by n.
    let theirs = f["objective"].as_f64().unwrap();
    let ours = r.objective * train.len() as f64;
    assert!(
        ((ours - theirs) / theirs).abs() < 1e-4,
        "objective ours {ours}, scikit-learn {theirs}"
    );
    assert!(r.converged, "{}", r.stop);
}

/// Not a test: times the whole pipeline natively on a full-size archive, for the README's benchmark table.
/// `DATALAB_IMDB_ARCHIVE=/tmp/aclImdb_synth.tar.gz cargo test --release --test imdb_vs_reference -- --ignored --nocapture`
#[test]
#[ignore]
fn native_timings_on_a_full_size_archive() {
    let Ok(path) = std::env::var("DATALAB_IMDB_ARCHIVE") else {
        eprintln!("set DATALAB_IMDB_ARCHIVE to a full-size archive");
        return;
    };
    let t = std::time::Instant::now();
    let bytes = std::fs::read(&path).unwrap();
    let mut u = Unpacker::new();
    for chunk in bytes.chunks(4 << 20) {
        u.push(chunk).unwrap();
    }
    let un = u.finish().unwrap();
    let t_unpack = t.elapsed().as_secs_f64();
    let t = std::time::Instant::now();
    let p = prepare(&un.reviews, &SplitSettings::default(), &mut |_| {});
    let t_split = t.elapsed().as_secs_f64();
    println!(
        "unpack {t_unpack:.2} s ({} reviews), split + CSV + SHA-256 {t_split:.2} s; hashes {:?}",
        un.reviews.len(),
        p.stats.iter().map(|s| &s.sha256[..12]).collect::<Vec<_>>()
    );
    let splits: Vec<Vec<(String, u8)>> = p.files.iter().map(|f| read_split(f).unwrap()).collect();
    let clock = std::time::Instant::now();
    let now = || clock.elapsed().as_secs_f64() * 1000.0;
    let r = baseline::run(
        [&splits[0], &splits[1], &splits[2]],
        &Settings::default(),
        &now,
        &mut |_| {},
    )
    .unwrap();
    println!(
        "vectorize {:.2} s, fit {:.2} s, {} iterations, {} evaluations, vocabulary {}, nnz {}, accuracy {:?}, {}",
        r.millis_vectorize / 1000.0,
        r.millis_fit / 1000.0,
        r.n_iter,
        r.evaluations,
        r.vocabulary,
        r.nnz,
        r.logreg,
        r.stop
    );
}
