//! A streaming gzip reader (RFC 1952): bytes go in as they are read from the file, inflated bytes come out
//! to a callback, so an 84 MB `.tar.gz` never has to sit in memory as a whole — neither compressed nor
//! unpacked (the tar is about 220 MB, most of it the `unsup` folder the lab skips).
//!
//! Inflation is miniz_oxide's; this module adds the gzip frame around it: the header (with its optional
//! name, comment, extra field and header CRC), the CRC-32 and length trailer checked against what came out,
//! and several members one after another (as `cat a.gz b.gz` makes). Errors say what the file seems to be
//! instead, because the usual mistake is picking the wrong file.

use miniz_oxide::inflate::stream::{inflate, InflateState};
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};

/// The CRC-32 of gzip and zip (reflected IEEE polynomial), eight bytes per step.
#[derive(Clone, Copy)]
pub struct Crc32(u32);

static CRC_TABLES: [[u32; 256]; 8] = crc_tables();

const fn crc_tables() -> [[u32; 256]; 8] {
    let mut t = [[0u32; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        t[0][i] = c;
        i += 1;
    }
    let mut i = 0;
    while i < 256 {
        let mut s = 1;
        while s < 8 {
            let prev = t[s - 1][i];
            t[s][i] = (prev >> 8) ^ t[0][(prev & 0xFF) as usize];
            s += 1;
        }
        i += 1;
    }
    t
}

impl Default for Crc32 {
    fn default() -> Self {
        Crc32(0xFFFF_FFFF)
    }
}

impl Crc32 {
    pub fn update(&mut self, data: &[u8]) {
        let t = &CRC_TABLES;
        let mut c = self.0;
        let mut chunks = data.chunks_exact(8);
        for ch in &mut chunks {
            let lo = c ^ u32::from_le_bytes([ch[0], ch[1], ch[2], ch[3]]);
            c = t[7][(lo & 0xFF) as usize]
                ^ t[6][((lo >> 8) & 0xFF) as usize]
                ^ t[5][((lo >> 16) & 0xFF) as usize]
                ^ t[4][(lo >> 24) as usize]
                ^ t[3][ch[4] as usize]
                ^ t[2][ch[5] as usize]
                ^ t[1][ch[6] as usize]
                ^ t[0][ch[7] as usize];
        }
        for &b in chunks.remainder() {
            c = t[0][((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
        }
        self.0 = c;
    }

    pub fn value(self) -> u32 {
        self.0 ^ 0xFFFF_FFFF
    }
}

enum Stage {
    /// Collecting a member's header (bytes so far).
    Header(Vec<u8>),
    Body,
    /// Collecting the 8-byte trailer.
    Trailer(Vec<u8>),
    /// Between members: only another member or zero padding may follow.
    Between,
}

/// Streams a gzip file: [`Gunzip::push`] each piece, then [`Gunzip::finish`].
pub struct Gunzip {
    stage: Stage,
    state: Box<InflateState>,
    buf: Vec<u8>,
    crc: Crc32,
    size: u32,
    members: usize,
    consumed: u64,
}

impl Default for Gunzip {
    fn default() -> Self {
        Self::new()
    }
}

/// What a file that is not gzip probably is, from its first bytes.
fn looks_like(start: &[u8]) -> &'static str {
    if start.starts_with(b"PK") {
        "a zip archive"
    } else if start.len() > 262 && &start[257..262] == b"ustar" {
        "an uncompressed tar archive"
    } else if start.starts_with(b"BZh") {
        "a bzip2 file"
    } else if start.starts_with(&[0xFD, b'7', b'z', b'X', b'Z']) {
        "an xz file"
    } else if start.starts_with(b"\x89PNG") || start.starts_with(b"%PDF") {
        "an image or document"
    } else if match std::str::from_utf8(&start[..start.len().min(64)]) {
        Ok(_) => true,
        // A character cut by the 64-byte window is still text.
        Err(e) => e.error_len().is_none(),
    } {
        "plain text"
    } else {
        "some other kind of file"
    }
}

/// Bytes [`looks_like`] reads: enough to see a tar header's `ustar` magic.
const SNIFF: usize = 263;

/// Length of a complete gzip header at the start of `h`, `Ok(None)` if more bytes are needed. `at_end`:
/// no more bytes will come. A file that is not gzip is named from its first [`SNIFF`] bytes (or all of
/// it, if shorter), however the bytes arrived — so the message never depends on how the file was read.
fn header_len(h: &[u8], at_end: bool) -> Result<Option<usize>, String> {
    let not_gzip = h.len() >= 2 && (h[0] != 0x1f || h[1] != 0x8b);
    if not_gzip && h.len() < SNIFF && !at_end {
        return Ok(None);
    }
    if h.len() < 10 && !not_gzip {
        return Ok(None);
    }
    if not_gzip {
        return Err(format!(
            "This file is not gzip-compressed (it looks like {}). Pick the aclImdb_v1.tar.gz you downloaded, not a file unpacked from it.",
            looks_like(h)
        ));
    }
    if h[2] != 8 {
        return Err(format!(
            "This gzip file uses compression method {}; only deflate (8) exists in practice. The file is probably damaged: download it again.",
            h[2]
        ));
    }
    let flags = h[3];
    let mut at = 10;
    if flags & 4 != 0 {
        if h.len() < at + 2 {
            return Ok(None);
        }
        at += 2 + usize::from(u16::from_le_bytes([h[at], h[at + 1]]));
    }
    for bit in [8u8, 16] {
        if flags & bit != 0 {
            match h.get(at..).and_then(|r| r.iter().position(|&b| b == 0)) {
                Some(p) => at += p + 1,
                None => return Ok(None),
            }
        }
    }
    if flags & 2 != 0 {
        at += 2;
    }
    Ok((h.len() >= at).then_some(at))
}

impl Gunzip {
    pub fn new() -> Self {
        Gunzip {
            stage: Stage::Header(Vec::new()),
            state: InflateState::new_boxed(DataFormat::Raw),
            buf: vec![0; 1 << 16],
            crc: Crc32::default(),
            size: 0,
            members: 0,
            consumed: 0,
        }
    }

    /// Compressed bytes read so far.
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// Feeds the next piece of the file; inflated bytes go to `sink` in order.
    pub fn push(
        &mut self,
        mut input: &[u8],
        sink: &mut dyn FnMut(&[u8]) -> Result<(), String>,
    ) -> Result<(), String> {
        self.consumed += input.len() as u64;
        while !input.is_empty() {
            match &mut self.stage {
                Stage::Header(h) => {
                    // Headers are short: copy byte by byte until one is complete.
                    let before = h.len();
                    h.extend_from_slice(&input[..input.len().min(4096)]);
                    match header_len(h, false)? {
                        Some(len) => {
                            input = &input[len - before..];
                            self.stage = Stage::Body;
                            self.state.reset(DataFormat::Raw);
                            self.crc = Crc32::default();
                            self.size = 0;
                        }
                        None => {
                            if h.len() > 1 << 20 {
                                return Err(
                                    "The gzip header never ends: the file is damaged.".into()
                                );
                            }
                            input = &input[h.len() - before..];
                        }
                    }
                }
                Stage::Body => {
                    let r = inflate(&mut self.state, input, &mut self.buf, MZFlush::None);
                    input = &input[r.bytes_consumed..];
                    let out = &self.buf[..r.bytes_written];
                    self.crc.update(out);
                    self.size = self.size.wrapping_add(out.len() as u32);
                    if !out.is_empty() {
                        sink(out)?;
                    }
                    match r.status {
                        Ok(MZStatus::StreamEnd) => self.stage = Stage::Trailer(Vec::new()),
                        Ok(_) => {}
                        Err(MZError::Buf) => {} // needs more input
                        Err(e) => {
                            return Err(format!(
                                "The compressed data is damaged ({e:?}) about {} MB into the file. Download the archive again.",
                                self.consumed / 1_000_000
                            ))
                        }
                    }
                }
                Stage::Trailer(t) => {
                    let take = (8 - t.len()).min(input.len());
                    t.extend_from_slice(&input[..take]);
                    input = &input[take..];
                    if t.len() == 8 {
                        let crc = u32::from_le_bytes([t[0], t[1], t[2], t[3]]);
                        let size = u32::from_le_bytes([t[4], t[5], t[6], t[7]]);
                        if crc != self.crc.value() || size != self.size {
                            return Err("The archive's checksum does not match its contents: the download is damaged. Download it again.".into());
                        }
                        self.members += 1;
                        self.stage = Stage::Between;
                    }
                }
                Stage::Between => {
                    // Zero padding after a member is skipped byte by byte, so where the network cut the
                    // file cannot change what counts as padding (found by fuzzing).
                    let zeros = input.iter().take_while(|&&b| b == 0).count();
                    input = &input[zeros..];
                    if !input.is_empty() {
                        self.stage = Stage::Header(Vec::new());
                    }
                }
            }
        }
        Ok(())
    }

    /// Checks the file ended where a gzip file may end.
    pub fn finish(&self) -> Result<(), String> {
        match &self.stage {
            Stage::Between => Ok(()),
            Stage::Header(h) if h.is_empty() && self.members > 0 => Ok(()),
            Stage::Header(h) if h.is_empty() => Err("The file is empty. Pick the aclImdb_v1.tar.gz you downloaded.".into()),
            Stage::Header(h) => header_len(h, true).and(Err(
                "The file ends inside a gzip header: it is cut short. Download it again.".into(),
            )),
            _ => Err(format!(
                "The archive ends early, after {:.1} MB: the download is incomplete. Download it again (the full file is about 84 MB).",
                self.consumed as f64 / 1e6
            )),
        }
    }
}

/// A gzip member around `data`, with an optional file name in the header — for tests that need an
/// archive (deflate from miniz_oxide, which is only linked into test builds).
#[cfg(test)]
pub(crate) fn gzip(data: &[u8], name: Option<&str>) -> Vec<u8> {
    let mut out = vec![
        0x1f,
        0x8b,
        8,
        if name.is_some() { 8 } else { 0 },
        0,
        0,
        0,
        0,
        0,
        3,
    ];
    if let Some(n) = name {
        out.extend_from_slice(n.as_bytes());
        out.push(0);
    }
    out.extend(miniz_oxide::deflate::compress_to_vec(data, 6));
    let mut c = Crc32::default();
    c.update(data);
    out.extend(c.value().to_le_bytes());
    out.extend((data.len() as u32).to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gunzip_in_pieces(file: &[u8], piece: usize) -> Result<Vec<u8>, String> {
        let mut g = Gunzip::new();
        let mut out = Vec::new();
        for p in file.chunks(piece.max(1)) {
            g.push(p, &mut |b| {
                out.extend_from_slice(b);
                Ok(())
            })?;
        }
        g.finish()?;
        Ok(out)
    }

    #[test]
    fn padding_and_the_not_gzip_message_do_not_depend_on_the_pieces() {
        // Found by fuzzing: zeros after a member were padding only when a piece held nothing else, and
        // "it looks like …" was guessed from however many bytes the first piece had.
        let mut file = gzip(b"hello", None);
        file.extend([0u8; 300]);
        file.extend(b"garbage after the padding");
        let whole = gunzip_in_pieces(&file, file.len());
        for piece in [1, 7, 64, 301] {
            assert_eq!(gunzip_in_pieces(&file, piece), whole, "pieces of {piece}");
        }
        let text = "é plain text that is not gzip, long enough to be sniffed ".repeat(8);
        let whole = gunzip_in_pieces(text.as_bytes(), text.len()).unwrap_err();
        assert!(whole.contains("plain text"), "{whole}");
        for piece in [1, 2, 5, 63, 64] {
            assert_eq!(gunzip_in_pieces(text.as_bytes(), piece).unwrap_err(), whole);
        }
        let mut padded = gzip(b"hello", None);
        padded.extend([0u8; 100]);
        for piece in [1, 3, 200] {
            assert_eq!(gunzip_in_pieces(&padded, piece).unwrap(), b"hello");
        }
    }

    #[test]
    fn crc_matches_known_value() {
        let mut c = Crc32::default();
        c.update(b"123456789");
        assert_eq!(c.value(), 0xCBF4_3926);
        assert_eq!(c.value(), crate::core::archive::zip::crc32(b"123456789"));
    }

    #[test]
    fn round_trip_any_piece_size() {
        let data: Vec<u8> = (0..200_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        let file = gzip(&data, Some("x.tar"));
        for piece in [1, 7, 512, 65_536, file.len()] {
            assert_eq!(
                gunzip_in_pieces(&file, piece).unwrap(),
                data,
                "piece {piece}"
            );
        }
        // Two members one after another, then zero padding.
        let mut two = gzip(b"hello ", None);
        two.extend(gzip(b"world", None));
        two.extend([0u8; 16]);
        assert_eq!(gunzip_in_pieces(&two, 3).unwrap(), b"hello world");
    }

    #[test]
    fn wrong_files_get_clear_messages() {
        let e = gunzip_in_pieces(b"PK\x03\x04 some zip", 100).unwrap_err();
        assert!(e.contains("zip archive"), "{e}");
        let e = gunzip_in_pieces(b"just a text file, not an archive", 100).unwrap_err();
        assert!(e.contains("plain text"), "{e}");
        assert!(gunzip_in_pieces(b"", 1).unwrap_err().contains("empty"));
        let file = gzip(&[7u8; 100_000], None);
        let e = gunzip_in_pieces(&file[..file.len() / 2], 1000).unwrap_err();
        assert!(e.contains("incomplete") || e.contains("ends early"), "{e}");
        let mut bad = file.clone();
        let n = bad.len();
        bad[n - 6] ^= 1; // the CRC
        assert!(gunzip_in_pieces(&bad, 4096)
            .unwrap_err()
            .contains("checksum"));
    }
}
