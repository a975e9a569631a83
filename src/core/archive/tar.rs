//! A streaming tar reader: blocks go in as they are inflated, and each file the caller wants comes out
//! whole, with its path. Files the caller does not want (the IMDb archive's 50,000 `unsup` reviews, the
//! bag-of-words dumps) are skipped without being kept.
//!
//! Reads what common tools write: ustar (name with a `prefix` field), GNU long names (`L` entries),
//! pax extended headers (`x`, their `path=` record), base-256 sizes, directory, link and device entries
//! (skipped). Every header's checksum is checked, so a file that is not a tar is named as such at once.

/// One tar block.
const BLOCK: usize = 512;

/// What the reader hands back: the entry's path and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryInfo {
    /// Path as stored, `/`-separated (a pax or GNU long name replaces the header's).
    pub path: String,
    pub size: u64,
    /// Regular file (`0` or NUL type), as opposed to a directory, link, or other.
    pub is_file: bool,
}

/// Where the reader's entries go: it asks whether to keep each entry's bytes (folders and links are
/// asked too, so a sink can note them; only regular files have bytes to keep), then hands over the kept
/// files whole.
pub trait Sink {
    fn wants(&mut self, info: &EntryInfo) -> bool;
    fn file(&mut self, info: EntryInfo, data: Vec<u8>) -> Result<(), String>;
}

enum Stage {
    Header,
    /// Inside an entry's data: bytes left, padding after it, and whether the bytes are kept.
    Data {
        left: u64,
        pad: usize,
        keep: Keep,
    },
    Padding(usize),
    End,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Keep {
    Skip,
    File,
    LongName,
    Pax,
}

/// Streams a tar archive: [`TarReader::push`] each piece, then [`TarReader::finish`].
pub struct TarReader {
    stage: Stage,
    block: Vec<u8>,
    data: Vec<u8>,
    current: Option<EntryInfo>,
    long_name: Option<String>,
    pax_path: Option<String>,
    entries: u64,
    zero_blocks: u8,
}

impl Default for TarReader {
    fn default() -> Self {
        Self::new()
    }
}

fn octal(field: &[u8]) -> Option<u64> {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        // GNU base-256: big-endian, high bit of the first byte is the marker.
        let mut v: u64 = u64::from(field[0] & 0x7f);
        for &b in &field[1..] {
            v = v.checked_mul(256)?.checked_add(u64::from(b))?;
        }
        return Some(v);
    }
    let s = field
        .iter()
        .take_while(|&&b| b != 0)
        .copied()
        .collect::<Vec<u8>>();
    let s = std::str::from_utf8(&s).ok()?.trim();
    if s.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(s, 8).ok()
}

fn c_string(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

/// The `path` record of a pax extended header (`"<len> path=<value>\n"` records).
fn pax_path(data: &[u8]) -> Option<String> {
    let mut rest = data;
    while !rest.is_empty() {
        let sp = rest.iter().position(|&b| b == b' ')?;
        let len: usize = std::str::from_utf8(&rest[..sp]).ok()?.parse().ok()?;
        if len <= sp || len > rest.len() {
            return None;
        }
        let record = &rest[sp + 1..len];
        let record = record.strip_suffix(b"\n").unwrap_or(record);
        if let Some(v) = record.strip_prefix(b"path=") {
            return Some(String::from_utf8_lossy(v).into_owned());
        }
        rest = &rest[len..];
    }
    None
}

impl TarReader {
    pub fn new() -> Self {
        TarReader {
            stage: Stage::Header,
            block: Vec::with_capacity(BLOCK),
            data: Vec::new(),
            current: None,
            long_name: None,
            pax_path: None,
            entries: 0,
            zero_blocks: 0,
        }
    }

    /// Entries read so far (files, folders and the rest).
    pub fn entries(&self) -> u64 {
        self.entries
    }

    /// Feeds the next piece. For each entry `want` decides whether its bytes are kept; kept files are
    /// handed to `file` whole once their last byte has arrived.
    pub fn push(&mut self, mut input: &[u8], sink: &mut dyn Sink) -> Result<(), String> {
        while !input.is_empty() {
            match &mut self.stage {
                Stage::End => return Ok(()),
                Stage::Padding(n) => {
                    let take = (*n).min(input.len());
                    *n -= take;
                    input = &input[take..];
                    if *n == 0 {
                        self.stage = Stage::Header;
                    }
                }
                Stage::Data { left, pad, keep } => {
                    let take = (*left).min(input.len() as u64) as usize;
                    if *keep != Keep::Skip {
                        self.data.extend_from_slice(&input[..take]);
                    }
                    input = &input[take..];
                    *left -= take as u64;
                    if *left == 0 {
                        let (pad, keep) = (*pad, *keep);
                        self.stage = if pad > 0 {
                            Stage::Padding(pad)
                        } else {
                            Stage::Header
                        };
                        let data = std::mem::take(&mut self.data);
                        match keep {
                            Keep::Skip => {}
                            Keep::LongName => {
                                let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
                                self.long_name =
                                    Some(String::from_utf8_lossy(&data[..end]).into_owned());
                            }
                            Keep::Pax => self.pax_path = pax_path(&data),
                            Keep::File => {
                                let info = self.current.take().expect("set with the header");
                                sink.file(info, data)?;
                            }
                        }
                    }
                }
                Stage::Header => {
                    let take = (BLOCK - self.block.len()).min(input.len());
                    self.block.extend_from_slice(&input[..take]);
                    input = &input[take..];
                    if self.block.len() == BLOCK {
                        let block = std::mem::replace(&mut self.block, Vec::with_capacity(BLOCK));
                        self.header(&block, sink)?;
                        if let Stage::Data { left: 0, .. } = self.stage {
                            // An empty entry: finish it without waiting for input.
                            self.push_empty(sink)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn push_empty(&mut self, sink: &mut dyn Sink) -> Result<(), String> {
        if let Stage::Data { keep, .. } = self.stage {
            self.stage = Stage::Header;
            match keep {
                Keep::File => {
                    let info = self.current.take().expect("set with the header");
                    sink.file(info, Vec::new())?;
                }
                Keep::LongName => self.long_name = Some(String::new()),
                _ => {}
            }
        }
        Ok(())
    }

    fn header(&mut self, h: &[u8], sink: &mut dyn Sink) -> Result<(), String> {
        if h.iter().all(|&b| b == 0) {
            self.zero_blocks += 1;
            if self.zero_blocks >= 2 {
                self.stage = Stage::End;
            }
            return Ok(());
        }
        self.zero_blocks = 0;
        let stored = octal(&h[148..156]);
        let sum: u64 = h
            .iter()
            .enumerate()
            .map(|(i, &b)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    u64::from(b)
                }
            })
            .sum();
        let signed: i64 = h
            .iter()
            .enumerate()
            .map(|(i, &b)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    i64::from(b as i8)
                }
            })
            .sum();
        if stored != Some(sum) && stored.map(|s| s as i64) != Some(signed) {
            return Err(if self.entries == 0 {
                "The file unpacks, but what is inside is not a tar archive. Pick aclImdb_v1.tar.gz (a .tar.gz), not another .gz file.".to_string()
            } else {
                format!(
                    "The tar archive is damaged after {} entries (a header's checksum is wrong). Download it again.",
                    self.entries
                )
            });
        }
        self.entries += 1;
        let size = octal(&h[124..136])
            .ok_or("A tar header has an unreadable size: the archive is damaged.")?;
        let kind = h[156];
        let mut name = c_string(&h[0..100]);
        // POSIX ustar ("ustar\0") has a name prefix at 345; old GNU tar ("ustar  \0") keeps access and
        // change times there instead, so only the former is read as a prefix.
        if &h[257..263] == b"ustar\0" {
            let prefix = c_string(&h[345..500]);
            if !prefix.is_empty() {
                name = format!("{prefix}/{name}");
            }
        }
        let pad = ((BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64) as usize;
        let keep = match kind {
            b'L' => Keep::LongName,
            b'x' => Keep::Pax,
            b'g' | b'K' => Keep::Skip,
            _ => {
                let path = self
                    .pax_path
                    .take()
                    .or_else(|| self.long_name.take())
                    .unwrap_or(name);
                let info = EntryInfo {
                    path,
                    size,
                    is_file: kind == b'0' || kind == 0 || kind == b'7',
                };
                // Links, folders and devices carry no data of their own (a hard link's size is 0): the
                // sink hears of them but cannot keep bytes.
                if sink.wants(&info) && info.is_file {
                    // The size is only what the header claims: reserve little, grow as bytes arrive (a
                    // 1 KB file claiming 64 MB must not cost 64 MB — found by fuzzing).
                    self.data = Vec::with_capacity(size.min(1 << 16) as usize);
                    self.current = Some(info);
                    Keep::File
                } else {
                    Keep::Skip
                }
            }
        };
        if matches!(keep, Keep::LongName | Keep::Pax) && size > 1 << 20 {
            return Err(
                "A tar header announces a name longer than 1 MB: the archive is damaged.".into(),
            );
        }
        self.stage = Stage::Data {
            left: size,
            pad,
            keep,
        };
        Ok(())
    }

    /// Checks the archive did not stop in the middle of an entry.
    pub fn finish(&self) -> Result<(), String> {
        let clean_end = matches!(self.stage, Stage::End | Stage::Header) && self.block.is_empty();
        if self.entries == 0 {
            return Err(
                if clean_end && self.zero_blocks > 0 || self.block.is_empty() {
                    "The archive is empty: it holds no files.".into()
                } else {
                    "The file unpacks, but what is inside is not a tar archive. Pick aclImdb_v1.tar.gz (a .tar.gz), not another .gz file.".into()
                },
            );
        }
        if clean_end {
            Ok(())
        } else {
            Err(format!(
                "The tar archive stops in the middle of an entry (after {} entries): the download is incomplete. Download it again.",
                self.entries
            ))
        }
    }
}

/// Writes a minimal ustar archive — for tests of the reader and of the lab (a synthetic IMDb archive).
pub fn write_ustar(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (path, data) in entries {
        let is_dir = path.ends_with('/');
        let mut h = [0u8; BLOCK];
        // ustar keeps long paths as prefix (≤ 155 bytes) + "/" + name (≤ 100 bytes).
        let (prefix, name) = match path
            .match_indices('/')
            .map(|(c, _)| c)
            .find(|&c| path.len() > 100 && path.len() - c - 1 <= 100 && c <= 155)
        {
            Some(c) => (&path[..c], &path[c + 1..]),
            None => ("", *path),
        };
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[100..107].copy_from_slice(if is_dir { b"0000755" } else { b"0000644" });
        h[108..115].copy_from_slice(b"0000000");
        h[116..123].copy_from_slice(b"0000000");
        h[124..135].copy_from_slice(format!("{:011o}", data.len()).as_bytes());
        h[136..147].copy_from_slice(b"14000000000");
        h[156] = if is_dir { b'5' } else { b'0' };
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[345..345 + prefix.len()].copy_from_slice(prefix.as_bytes());
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        out.extend_from_slice(&h);
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(BLOCK) * BLOCK, 0);
    }
    out.resize(out.len() + 2 * BLOCK, 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Keep(Vec<(String, Vec<u8>)>);

    impl Sink for Keep {
        fn wants(&mut self, info: &EntryInfo) -> bool {
            !info.path.contains("skip")
        }
        fn file(&mut self, info: EntryInfo, data: Vec<u8>) -> Result<(), String> {
            self.0.push((info.path, data));
            Ok(())
        }
    }

    fn read_all(tar: &[u8], piece: usize) -> Result<Vec<(String, Vec<u8>)>, String> {
        let mut r = TarReader::new();
        let mut got = Keep(Vec::new());
        for p in tar.chunks(piece) {
            r.push(p, &mut got)?;
        }
        r.finish()?;
        Ok(got.0)
    }

    #[test]
    fn reads_files_in_any_piece_size() {
        let long = format!("aclImdb/{}/x.txt", "deep/".repeat(30));
        let tar = write_ustar(&[
            ("aclImdb/", b""),
            ("aclImdb/test/pos/0_9.txt", b"great film"),
            ("aclImdb/skip/big.feat", &[1u8; 5000]),
            ("aclImdb/test/neg/empty.txt", b""),
            (&long, b"long name"),
        ]);
        for piece in [1, 100, 512, 513, tar.len()] {
            let got = read_all(&tar, piece).unwrap();
            assert_eq!(
                got,
                vec![
                    (
                        "aclImdb/test/pos/0_9.txt".to_string(),
                        b"great film".to_vec()
                    ),
                    ("aclImdb/test/neg/empty.txt".to_string(), vec![]),
                    (long.clone(), b"long name".to_vec()),
                ],
                "piece {piece}"
            );
        }
    }

    #[test]
    fn gnu_long_names_and_pax_paths() {
        // A GNU `L` entry then the file; a pax `x` entry then the file.
        let mut tar = Vec::new();
        let long = "a/".repeat(80) + "review.txt";
        let mut l = write_ustar(&[("././@LongLink", long.as_bytes())]);
        l[156] = b'L';
        fix_checksum(&mut l[..BLOCK]);
        tar.extend_from_slice(&l[..l.len() - 2 * BLOCK]);
        let f = write_ustar(&[("truncated-name", b"one")]);
        tar.extend_from_slice(&f[..f.len() - 2 * BLOCK]);
        let record = "path=x/y/pax.txt\n";
        let rec = format!("{} {record}", record.len() + 3);
        let mut x = write_ustar(&[("PaxHeaders/1", rec.as_bytes())]);
        x[156] = b'x';
        fix_checksum(&mut x[..BLOCK]);
        tar.extend_from_slice(&x[..x.len() - 2 * BLOCK]);
        tar.extend_from_slice(&write_ustar(&[("short", b"two")]));
        let got = read_all(&tar, 64).unwrap();
        assert_eq!(got[0], (long, b"one".to_vec()));
        assert_eq!(got[1], ("x/y/pax.txt".to_string(), b"two".to_vec()));
    }

    #[test]
    fn old_gnu_headers_have_no_prefix() {
        let mut tar = write_ustar(&[("aclImdb/test/pos/0_9.txt", b"good")]);
        tar[257..265].copy_from_slice(b"ustar  \0");
        tar[345..357].copy_from_slice(b"14000000000\0"); // an access time, not a prefix
        fix_checksum(&mut tar[..BLOCK]);
        let got = read_all(&tar, 512).unwrap();
        assert_eq!(got[0].0, "aclImdb/test/pos/0_9.txt");
    }

    fn fix_checksum(h: &mut [u8]) {
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    }

    #[test]
    fn damaged_and_foreign_input() {
        let e = read_all(&[b'x'; 2048], 512).unwrap_err();
        assert!(e.contains("not a tar archive"), "{e}");
        let tar = write_ustar(&[("a.txt", &[b'a'; 3000])]);
        let e = read_all(&tar[..1500], 100).unwrap_err();
        assert!(e.contains("incomplete"), "{e}");
        assert!(read_all(&[0u8; 1024], 512).unwrap_err().contains("empty"));
        assert_eq!(octal(b"0000017\0"), Some(15));
        assert_eq!(
            octal(&[0x80, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]),
            Some(1 << 32)
        );
    }
}
