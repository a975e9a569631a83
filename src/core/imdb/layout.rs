//! Which files of the archive are reviews, and in what order the reference script reads them.
//!
//! The script walks `test/pos`, `test/neg`, `train/pos`, `train/neg` (in that order) below `aclImdb`,
//! lists each folder with `sorted(os.listdir(...))` — string order, so `10_7.txt` comes before `2_9.txt`
//! — and reads every file as UTF-8 text. Python's text mode turns `\r\n` and a lone `\r` into `\n`
//! ("universal newlines"); leaving that out would change the bytes of any review that has them.
//! `train/unsup` and the other files at the top (`imdb.vocab`, the `.feat` dumps) are not read.
//!
//! Any archive of the same layout works, under any top folder name: the tests use small synthetic ones.

use crate::core::archive::tar::{EntryInfo, Sink};

/// The four folders, in the script's reading order, with their labels (pos → 1, neg → 0).
pub const FOLDERS: [(&str, &str, u8); 4] = [
    ("test", "pos", 1),
    ("test", "neg", 0),
    ("train", "pos", 1),
    ("train", "neg", 0),
];

/// One review as the script has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub text: String,
    pub label: u8,
}

/// Splits `path` into (top folder, folder index in [`FOLDERS`], file name) if it is a file directly in
/// one of the four folders.
fn classify(path: &str) -> Option<(&str, usize, &str)> {
    let path = path.trim_start_matches("./");
    let (rest, name) = path.rsplit_once('/')?;
    let (rest, label) = rest.rsplit_once('/').unwrap_or(("", rest));
    let (root, split) = match rest.rsplit_once('/') {
        Some((root, split)) => (root, split),
        None => ("", rest),
    };
    let idx = FOLDERS
        .iter()
        .position(|(s, l, _)| *s == split && *l == label)?;
    (!name.is_empty()).then_some((root, idx, name))
}

/// Collects the reviews as the tar reader hands them over, then puts them in the script's order.
#[derive(Default)]
pub struct Collector {
    /// Per folder: (file name, bytes).
    files: [Vec<(String, Vec<u8>)>; 4],
    /// The top folder the reviews sit under (`aclImdb` in the real archive).
    root: Option<String>,
    /// Files found under a second, different top folder (a sign of a wrong or repacked archive).
    other_root: Option<String>,
    /// The four folders that exist as folder entries (an empty folder is fine for the script).
    folders: [bool; 4],
    /// Entries seen, and a few of their paths, to explain an archive without reviews.
    seen: u64,
    examples: Vec<String>,
    bytes: u64,
}

impl Sink for Collector {
    fn wants(&mut self, info: &EntryInfo) -> bool {
        Collector::wants(self, info)
    }
    fn file(&mut self, info: EntryInfo, data: Vec<u8>) -> Result<(), String> {
        self.add(info, data);
        Ok(())
    }
}

impl Collector {
    /// Whether the tar reader should keep this entry's bytes.
    pub fn wants(&mut self, info: &EntryInfo) -> bool {
        self.seen += 1;
        if !info.is_file {
            // A folder entry `…/test/neg/` marks that folder as present even if it holds no file.
            let dir = info.path.trim_end_matches('/');
            if let Some((_, idx, _)) = classify(&format!("{dir}/x")) {
                self.folders[idx] = true;
            }
            return false;
        }
        if self.examples.len() < 5 && info.is_file {
            self.examples.push(info.path.clone());
        }
        let Some((root, _, _)) = classify(&info.path) else {
            return false;
        };
        match &self.root {
            None => {
                self.root = Some(root.to_string());
                true
            }
            Some(r) if r == root => true,
            Some(_) => {
                if self.other_root.is_none() {
                    self.other_root = Some(root.to_string());
                }
                false
            }
        }
    }

    /// Takes a file [`Collector::wants`] accepted.
    pub fn add(&mut self, info: EntryInfo, data: Vec<u8>) {
        if let Some((_, idx, name)) = classify(&info.path) {
            self.bytes += data.len() as u64;
            self.files[idx].push((name.to_string(), data));
        }
    }

    /// Reviews kept so far.
    pub fn count(&self) -> usize {
        self.files.iter().map(Vec::len).sum()
    }

    /// Bytes of review text kept so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The top folder, once known.
    pub fn root(&self) -> Option<&str> {
        self.root.as_deref()
    }

    /// The reviews in the script's order; counts per folder. Fails, saying why, where the script would
    /// fail (a missing folder, text that is not UTF-8) or where the file is clearly not the IMDb archive.
    pub fn finish(self) -> Result<(Vec<Review>, [usize; 4]), String> {
        if let Some(other) = &self.other_root {
            return Err(format!(
                "The archive holds reviews under two folders, {:?} and {:?}. Use the original aclImdb_v1.tar.gz, which has one aclImdb folder.",
                self.root.as_deref().unwrap_or(""),
                other
            ));
        }
        let missing: Vec<String> = FOLDERS
            .iter()
            .zip(self.files.iter().zip(&self.folders))
            .filter(|(_, (f, present))| f.is_empty() && !**present)
            .map(|((s, l, _), _)| format!("{s}/{l}"))
            .collect();
        if self.files.iter().all(Vec::is_empty) {
            return Err(format!(
                "No reviews found in this archive ({} entries, e.g. {}). The IMDb archive has aclImdb/train/pos, train/neg, test/pos and test/neg with one .txt file per review; pick aclImdb_v1.tar.gz.",
                self.seen,
                if self.examples.is_empty() { "none".to_string() } else { self.examples.join(", ") }
            ));
        }
        if !missing.is_empty() {
            return Err(format!(
                "The archive has no reviews in {} (the reference script stops there too). The archive may be incomplete: download it again.",
                missing.join(", ")
            ));
        }
        let root = self.root.unwrap_or_default();
        let mut counts = [0usize; 4];
        let mut reviews = Vec::with_capacity(self.files.iter().map(Vec::len).sum());
        for (idx, mut files) in self.files.into_iter().enumerate() {
            // Python sorts str by code point, which for UTF-8 is byte order.
            files.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            counts[idx] = files.len();
            let (split, label_name, label) = FOLDERS[idx];
            for (name, bytes) in files {
                let text = python_text(bytes).map_err(|at| {
                    let prefix = if root.is_empty() { String::new() } else { format!("{root}/") };
                    format!(
                        "{prefix}{split}/{label_name}/{name} is not valid UTF-8 (byte {at}); the reference script stops with a UnicodeDecodeError here too. Fix or remove that file and pack the archive again."
                    )
                })?;
                reviews.push(Review { text, label });
            }
        }
        Ok((reviews, counts))
    }
}

/// What `open(path, encoding="utf-8").read()` returns: strict UTF-8, with `\r\n` and `\r` read as `\n`.
/// The error is the offset of the first invalid byte.
pub fn python_text(bytes: Vec<u8>) -> Result<String, usize> {
    let text = String::from_utf8(bytes).map_err(|e| e.utf8_error().valid_up_to())?;
    if !text.contains('\r') {
        return Ok(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(path: &str) -> EntryInfo {
        EntryInfo {
            path: path.into(),
            size: 0,
            is_file: !path.ends_with('/'),
        }
    }

    fn collect(files: &[(&str, &[u8])]) -> Result<(Vec<Review>, [usize; 4]), String> {
        let mut c = Collector::default();
        for (p, d) in files {
            if c.wants(&info(p)) {
                c.add(info(p), d.to_vec());
            }
        }
        c.finish()
    }

    #[test]
    fn script_order_and_labels() {
        let (reviews, counts) = collect(&[
            ("aclImdb/train/neg/2_1.txt", b"tn2"),
            ("aclImdb/train/unsup/0_0.txt", b"ignored"),
            ("aclImdb/test/pos/2_9.txt", b"tp2"),
            ("aclImdb/test/pos/10_7.txt", b"tp10"),
            ("aclImdb/train/pos/1_8.txt", b"trp"),
            ("aclImdb/test/neg/1_1.txt", b"a\r\nb\rc"),
            ("aclImdb/imdb.vocab", b"words"),
            ("aclImdb/train/neg/10_2.txt", b"tn10"),
        ])
        .unwrap();
        let texts: Vec<(&str, u8)> = reviews.iter().map(|r| (r.text.as_str(), r.label)).collect();
        assert_eq!(
            texts,
            vec![
                ("tp10", 1),
                ("tp2", 1),
                ("a\nb\nc", 0),
                ("trp", 1),
                ("tn10", 0),
                ("tn2", 0)
            ]
        );
        assert_eq!(counts, [2, 1, 1, 2]);
    }

    #[test]
    fn other_roots_work_and_bad_archives_are_explained() {
        let ok = collect(&[
            ("./imdb_small/test/pos/a.txt", b"x"),
            ("./imdb_small/test/neg/a.txt", b"x"),
            ("./imdb_small/train/pos/a.txt", b"x"),
            ("./imdb_small/train/neg/a.txt", b"x"),
        ]);
        assert_eq!(ok.unwrap().1, [1, 1, 1, 1]);
        let e = collect(&[("photos/cat.jpg", b"x")]).unwrap_err();
        assert!(
            e.contains("No reviews found") && e.contains("photos/cat.jpg"),
            "{e}"
        );
        let e = collect(&[
            ("aclImdb/test/pos/a.txt", b"x"),
            ("aclImdb/train/pos/a.txt", b"x"),
        ])
        .unwrap_err();
        assert!(e.contains("test/neg, train/neg"), "{e}");
        let e = collect(&[
            ("aclImdb/test/pos/a.txt", b"x"),
            ("aclImdb/test/neg/bad.txt", b"caf\xe9"),
            ("aclImdb/train/pos/a.txt", b"x"),
            ("aclImdb/train/neg/a.txt", b"x"),
        ])
        .unwrap_err();
        assert!(
            e.contains("aclImdb/test/neg/bad.txt is not valid UTF-8 (byte 3)"),
            "{e}"
        );
        // An empty folder is fine (the script lists it and finds nothing); a missing one is not.
        let (_, counts) = collect(&[
            ("aclImdb/test/pos/a.txt", b"x"),
            ("aclImdb/test/neg/", b""),
            ("aclImdb/train/pos/a.txt", b"x"),
            ("aclImdb/train/neg/a.txt", b"x"),
        ])
        .unwrap();
        assert_eq!(counts, [1, 0, 1, 1]);
        let e = collect(&[("a/test/pos/x.txt", b"x"), ("b/test/neg/x.txt", b"x")]).unwrap_err();
        assert!(e.contains("two folders"), "{e}");
    }
}
