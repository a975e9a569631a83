//! The archive as it streams in: gzip → tar → the reviews, plus the archive's own SHA-256 for the run
//! record. The worker feeds it the file a few megabytes at a time, so memory holds the reviews (about
//! 65 MB for IMDb) but never the 220 MB tar.

use sha2::{Digest, Sha256};

use super::layout::{Collector, Review};
use crate::core::archive::gzip::Gunzip;
use crate::core::archive::tar::TarReader;

/// Streams one archive: [`Unpacker::push`] each piece of the file, then [`Unpacker::finish`].
pub struct Unpacker {
    gunzip: Gunzip,
    tar: TarReader,
    collector: Collector,
    sha: Sha256,
    tar_bytes: u64,
}

/// What the archive gave.
#[derive(Debug)]
pub struct Unpacked {
    /// In the reference script's order.
    pub reviews: Vec<Review>,
    /// Reviews per folder: test/pos, test/neg, train/pos, train/neg.
    pub counts: [usize; 4],
    /// SHA-256 of the archive file, lowercase hex.
    pub archive_sha256: String,
    pub archive_bytes: u64,
    /// Bytes of the unpacked tar.
    pub tar_bytes: u64,
    /// Entries in the tar (files, folders, …).
    pub entries: u64,
    /// Top folder of the reviews (`aclImdb`).
    pub root: String,
}

impl Default for Unpacker {
    fn default() -> Self {
        Self::new()
    }
}

impl Unpacker {
    pub fn new() -> Self {
        Unpacker {
            gunzip: Gunzip::new(),
            tar: TarReader::new(),
            collector: Collector::default(),
            sha: Sha256::new(),
            tar_bytes: 0,
        }
    }

    /// Feeds the next piece of the file.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), String> {
        self.sha.update(chunk);
        let (tar, collector, tar_bytes) = (&mut self.tar, &mut self.collector, &mut self.tar_bytes);
        self.gunzip.push(chunk, &mut |bytes| {
            *tar_bytes += bytes.len() as u64;
            tar.push(bytes, collector)
        })
    }

    /// Reviews found so far.
    pub fn reviews(&self) -> usize {
        self.collector.count()
    }

    /// Checks the archive is complete and returns the reviews in the script's order.
    pub fn finish(self) -> Result<Unpacked, String> {
        self.gunzip.finish()?;
        self.tar.finish()?;
        let entries = self.tar.entries();
        let archive_bytes = self.gunzip.consumed();
        let root = self.collector.root().unwrap_or_default().to_string();
        let (reviews, counts) = self.collector.finish()?;
        Ok(Unpacked {
            reviews,
            counts,
            archive_sha256: sha256_hex_of(self.sha),
            archive_bytes,
            tar_bytes: self.tar_bytes,
            entries,
            root,
        })
    }
}

fn sha256_hex_of(sha: Sha256) -> String {
    let digest = sha.finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::archive::gzip::gzip;
    use crate::core::archive::tar::write_ustar;
    use crate::core::imdb::prepare::sha256_hex;

    pub(crate) fn archive(per_folder: usize) -> Vec<u8> {
        let mut files: Vec<(String, Vec<u8>)> = vec![
            ("aclImdb/".into(), vec![]),
            ("aclImdb/imdb.vocab".into(), b"the\nfilm\n".to_vec()),
        ];
        for (split, label) in [
            ("train", "neg"),
            ("test", "pos"),
            ("train", "pos"),
            ("test", "neg"),
        ] {
            for i in 0..per_folder {
                let text = format!("{split} {label} review {i}, \"quoted\"\r\nline two");
                files.push((
                    format!(
                        "aclImdb/{split}/{label}/{i}_{}.txt",
                        if label == "pos" { 8 } else { 2 }
                    ),
                    text.into_bytes(),
                ));
            }
        }
        files.push(("aclImdb/train/unsup/0_0.txt".into(), b"unlabelled".to_vec()));
        let refs: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(p, d)| (p.as_str(), d.as_slice()))
            .collect();
        gzip(&write_ustar(&refs), Some("aclImdb_v1.tar"))
    }

    #[test]
    fn unpacks_in_script_order_in_any_chunk_size() {
        let file = archive(12);
        for piece in [1000, 65_536, file.len()] {
            let mut u = Unpacker::new();
            for c in file.chunks(piece) {
                u.push(c).unwrap();
            }
            let got = u.finish().unwrap();
            assert_eq!(got.counts, [12, 12, 12, 12]);
            assert_eq!(got.root, "aclImdb");
            assert_eq!(got.archive_bytes, file.len() as u64);
            assert_eq!(got.archive_sha256, sha256_hex(&file));
            // test/pos first, in string order: "0_8.txt" < "10_8.txt" < "11_8.txt" < "1_8.txt".
            assert_eq!(
                got.reviews[0].text,
                "test pos review 0, \"quoted\"\nline two"
            );
            assert_eq!(
                got.reviews[1].text,
                "test pos review 10, \"quoted\"\nline two"
            );
            assert_eq!(
                got.reviews[3].text,
                "test pos review 1, \"quoted\"\nline two"
            );
            assert_eq!(got.reviews[12].label, 0);
            assert!(got.reviews.iter().all(|r| !r.text.contains("unlabelled")));
        }
    }

    #[test]
    fn truncated_and_foreign_archives() {
        let file = archive(3);
        let mut u = Unpacker::new();
        u.push(&file[..file.len() / 2]).unwrap();
        let e = u.finish().unwrap_err();
        assert!(e.contains("incomplete"), "{e}");
        let not_tar = gzip(b"hello, this is a text file that was gzipped", None);
        let mut u = Unpacker::new();
        let e = u
            .push(&not_tar)
            .and_then(|_| u.finish().map(|_| ()))
            .unwrap_err();
        assert!(
            e.contains("not a tar archive") || e.contains("empty"),
            "{e}"
        );
    }
}
