//! Helpers shared by the native integration tests (each test crate uses some of them).
#![allow(dead_code)]

use std::path::PathBuf;

/// The `assets/` folder of the tiktoken-rs crate that Cargo.lock pins — the same rank files the page serves.
pub fn tiktoken_assets() -> PathBuf {
    let out = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(out.status.success(), "cargo metadata failed");
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let pkg = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "tiktoken-rs")
        .expect("tiktoken-rs is a dependency");
    PathBuf::from(pkg["manifest_path"].as_str().unwrap())
        .parent()
        .unwrap()
        .join("assets")
}

/// The shared 10 MB prose corpus, when this checkout sits beside `shared/` (as in CI).
pub fn corpus() -> Option<String> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/prose-10mb.txt");
    std::fs::read_to_string(p).ok()
}

/// A small deterministic generator (xorshift), so random tests are reproducible without extra crates.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}
