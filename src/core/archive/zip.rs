//! A small, deterministic zip writer and a reader of uncompressed ("stored") zip archives.
//!
//! The lab exports a whole dataset workspace as one zip file (a manifest plus data files) and imports it
//! back. Export → import → export must give the *same bytes*, so that an export can be checked by hash and
//! diffed, and so that re-exporting an untouched workspace is visibly a no-op. Hence the writer fixes
//! everything a zip writer usually takes from the environment: every timestamp is 1980-01-01 00:00:00
//! (the earliest DOS date), entries keep the order they are given in, there are no extra fields, no
//! comments, no data descriptors and no file attributes.
//!
//! Only method 0 ("stored", no compression) is written or read. A general-purpose zip crate with deflate
//! is heavy in a wasm bundle, while stored zips are a few hundred lines and are still read by every zip
//! tool (`unzip`, Python's `zipfile`, the OS file browser). Zip64 is not supported either: an archive is
//! limited to 65 534 entries and to sizes and offsets below 4 GiB, which a browser tab cannot exceed
//! comfortably anyway.
//!
//! The reader is meant for files a person picked, so it trusts nothing: every offset and length is
//! bounds-checked, entries may not overlap, CRC-32s and sizes are verified, and names that could escape
//! a folder when extracted (`..`, absolute paths, backslashes) are refused. Malformed input gives a
//! [`ZipError`] that says what is wrong and what to do about it — never a panic.

use std::fmt;
use std::ops::Range;

use rustc_hash::FxHashSet;

/// One file in an archive: its path inside the archive (`/`-separated, UTF-8) and its bytes.
///
/// A name ending in `/` is a directory entry and carries no data; the writer keeps such entries if it is
/// given them and the reader returns those it finds (tools like `zip -r` add them), so callers that only
/// want files skip names ending in `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Path inside the archive, e.g. `data/train.jsonl`.
    pub name: String,
    /// The file's contents.
    pub data: Vec<u8>,
}

/// Why an archive could not be written or read. The message is meant for the person using the lab: it
/// says what is wrong and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipError(pub String);

impl fmt::Display for ZipError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ZipError {}

fn err<T>(message: impl Into<String>) -> Result<T, ZipError> {
    Err(ZipError(message.into()))
}

const LOCAL_SIG: u32 = 0x0403_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const EOCD_SIG: u32 = 0x0605_4b50;
const LOCAL_LEN: usize = 30;
const CENTRAL_LEN: usize = 46;
const EOCD_LEN: usize = 22;
/// Version 2.0: the lowest version that covers stored files and folders; used for "made by" and "needed".
const VERSION: u16 = 20;
/// General-purpose flag bit 11: names are UTF-8 (otherwise readers may decode them as code page 437).
const FLAG_UTF8: u16 = 1 << 11;
/// Flag bit 3: CRC and sizes follow the data in a "data descriptor" (streaming writers); we never write it.
const FLAG_DESCRIPTOR: u16 = 1 << 3;
/// Flag bits 0 and 6: traditional and strong encryption.
const FLAG_ENCRYPTED: u16 = (1 << 0) | (1 << 6);
const METHOD_STORED: u16 = 0;
const METHOD_DEFLATED: u16 = 8;
/// DOS time 00:00:00 (seconds/2 in bits 0–4, minutes 5–10, hours 11–15).
const DOS_TIME: u16 = 0;
/// DOS date 1980-01-01 (day in bits 0–4, month 5–8, years since 1980 in 9–15): the earliest a zip holds.
const DOS_DATE: u16 = (1 << 5) | 1;
/// 0xFFFF in the entry count and 0xFFFF_FFFF in a size or offset mean "see the zip64 record", so a plain
/// zip can only use the values below them.
const MAX_ENTRIES: usize = 0xFFFF - 1;
const ZIP64_U32: u32 = 0xFFFF_FFFF;
/// The longest comment an end-of-central-directory record can carry.
const MAX_COMMENT: usize = 0xFFFF;

/// The CRC-32 that zip (and gzip, PNG, Python's `zlib.crc32`) uses: IEEE 802.3 polynomial, reflected,
/// initial value and final XOR `0xFFFF_FFFF`. Zip stores it per entry so readers can detect corruption.
pub fn crc32(data: &[u8]) -> u32 {
    let mut c = super::gzip::Crc32::default();
    c.update(data);
    c.value()
}

/// Why `name` may not be in an archive, if it may not. Shared by writer and reader so that anything the
/// lab writes it can read back, and so that a crafted archive cannot place files outside the folder it is
/// extracted to (`../x`, `/etc/x`, `..\x` on Windows).
fn name_problem(name: &str, data_len: usize) -> Option<&'static str> {
    if name.is_empty() {
        Some("the name is empty")
    } else if name.len() > usize::from(u16::MAX) {
        Some("the name is longer than 65 535 bytes")
    } else if name.contains('\\') {
        Some("the name contains a backslash (zip paths use '/')")
    } else if name.starts_with('/') {
        Some("the name is an absolute path (starts with '/')")
    } else if name.contains('\0') {
        Some("the name contains a NUL character")
    } else if name.split('/').any(|part| part == "..") {
        Some("the name contains a '..' path component, which could write outside the target folder")
    } else if name.ends_with('/') && data_len > 0 {
        Some("the name ends with '/' (a folder) but the entry has data")
    } else {
        None
    }
}

/// `value` as a zip's 32-bit field, or an error naming `what` when it would need zip64.
fn fit_u32(value: u64, what: &str) -> Result<u32, ZipError> {
    match u32::try_from(value) {
        Ok(v) if v < ZIP64_U32 => Ok(v),
        _ => err(format!(
            "{what} is {value} bytes, but the lab's zip files are limited to 4 GiB (zip64 is not \
             supported); export fewer or smaller files"
        )),
    }
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// The fields local and central headers share, from "version needed" to "extra field length".
fn put_common(out: &mut Vec<u8>, crc: u32, size: u32, name_len: u16) {
    put16(out, VERSION);
    put16(out, FLAG_UTF8);
    put16(out, METHOD_STORED);
    put16(out, DOS_TIME);
    put16(out, DOS_DATE);
    put32(out, crc);
    put32(out, size); // compressed size
    put32(out, size); // uncompressed size
    put16(out, name_len);
    put16(out, 0); // extra field length
}

/// Writes `entries`, in the order given, as an uncompressed zip archive. The output depends only on the
/// entries (fixed 1980-01-01 timestamps, no extra fields, no attributes), so the same entries always give
/// the same bytes.
///
/// Refuses (rather than writing something other tools mis-read) more than 65 534 entries, any size or
/// offset of 4 GiB or more (no zip64), duplicate names, and names that are empty, absolute, contain a
/// backslash or a `..` component.
pub fn write_zip(entries: &[Entry]) -> Result<Vec<u8>, ZipError> {
    if entries.len() > MAX_ENTRIES {
        return err(format!(
            "cannot write {} files into one zip: the limit without zip64 is {MAX_ENTRIES}; export fewer \
             files",
            entries.len()
        ));
    }
    let mut seen = FxHashSet::default();
    let mut crcs = Vec::with_capacity(entries.len());
    let mut offsets = Vec::with_capacity(entries.len());
    let mut pos = 0u64;
    let mut central_len = 0u64;
    for entry in entries {
        if let Some(problem) = name_problem(&entry.name, entry.data.len()) {
            return err(format!(
                "cannot write {:?} into a zip: {problem}; rename it",
                entry.name
            ));
        }
        if !seen.insert(entry.name.as_str()) {
            return err(format!(
                "cannot write {:?} into a zip twice: names in an archive must be unique; rename one",
                entry.name
            ));
        }
        let size = fit_u32(entry.data.len() as u64, &format!("file {:?}", entry.name))?;
        offsets.push(fit_u32(pos, "the zip archive")?);
        crcs.push(crc32(&entry.data));
        pos += (LOCAL_LEN + entry.name.len()) as u64 + u64::from(size);
        central_len += (CENTRAL_LEN + entry.name.len()) as u64;
    }
    let central_offset = fit_u32(pos, "the zip archive")?;
    let central_size = fit_u32(central_len, "the zip's central directory")?;

    let total = pos + central_len + EOCD_LEN as u64;
    let mut out = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    for (entry, &crc) in entries.iter().zip(&crcs) {
        // Both fit: checked above.
        let (size, name_len) = (entry.data.len() as u32, entry.name.len() as u16);
        put32(&mut out, LOCAL_SIG);
        put_common(&mut out, crc, size, name_len);
        out.extend_from_slice(entry.name.as_bytes());
        out.extend_from_slice(&entry.data);
    }
    for ((entry, &crc), &offset) in entries.iter().zip(&crcs).zip(&offsets) {
        let (size, name_len) = (entry.data.len() as u32, entry.name.len() as u16);
        put32(&mut out, CENTRAL_SIG);
        put16(&mut out, VERSION); // version made by (high byte 0: MS-DOS, i.e. no Unix permissions)
        put_common(&mut out, crc, size, name_len);
        put16(&mut out, 0); // file comment length
        put16(&mut out, 0); // disk number start
        put16(&mut out, 0); // internal file attributes
        put32(&mut out, 0); // external file attributes
        put32(&mut out, offset);
        out.extend_from_slice(entry.name.as_bytes());
    }
    let count = entries.len() as u16; // at most MAX_ENTRIES
    put32(&mut out, EOCD_SIG);
    put16(&mut out, 0); // number of this disk
    put16(&mut out, 0); // disk where the central directory starts
    put16(&mut out, count); // entries on this disk
    put16(&mut out, count); // entries in total
    put32(&mut out, central_size);
    put32(&mut out, central_offset);
    put16(&mut out, 0); // comment length
    debug_assert_eq!(out.len() as u64, total);
    Ok(out)
}

/// Little-endian field at `at` of a header slice whose length the caller has checked.
fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// `start..start + len` if it lies within `0..limit`; computed in u64 so that it cannot overflow on
/// 32-bit targets (wasm), where two 32-bit zip fields can add up past `usize::MAX`.
fn span(start: u64, len: u64, limit: usize) -> Option<Range<usize>> {
    let end = start.checked_add(len)?;
    if end > limit as u64 {
        return None;
    }
    Some(start as usize..end as usize)
}

const NOT_A_ZIP: &str =
    "the file is not a zip archive, or it is truncated (no end-of-central-directory \
                         record found); re-download it or export it from the lab again";

const CORRUPT: &str = "the archive is corrupted; re-download it or export it from the lab again";

/// Finds the end-of-central-directory record: the last 22+ bytes, possibly followed by a comment of up
/// to 65 535 bytes whose length the record gives. Scanning back from the end, the first signature whose
/// comment length reaches exactly to the end of the file is taken.
fn find_eocd(bytes: &[u8]) -> Result<usize, ZipError> {
    if bytes.len() < EOCD_LEN {
        return err(NOT_A_ZIP);
    }
    let last = bytes.len() - EOCD_LEN;
    let first = last.saturating_sub(MAX_COMMENT);
    (first..=last)
        .rev()
        .find(|&at| {
            le32(bytes, at) == EOCD_SIG
                && at + EOCD_LEN + usize::from(le16(bytes, at + 20)) == bytes.len()
        })
        .ok_or_else(|| ZipError(NOT_A_ZIP.to_owned()))
}

/// One central-directory record, as far as the reader needs it.
struct CentralEntry<'a> {
    name: &'a [u8],
    flags: u16,
    method: u16,
    crc: u32,
    compressed: u32,
    size: u32,
    offset: u32,
}

/// Reads an uncompressed zip archive — one written by [`write_zip`], or by any tool told not to
/// compress (`zip -0`, Python's `ZIP_STORED`) — and returns its entries in central-directory order.
///
/// Everything is checked: the end record (with or without a comment), the central directory, every
/// local header against its central record, CRC-32s and sizes, that no two entries overlap and all lie
/// before the central directory, that names are unique UTF-8 and cannot escape a folder. Compressed,
/// encrypted, multi-disk and zip64 archives are refused with a message that says what to do instead.
pub fn read_zip(bytes: &[u8]) -> Result<Vec<Entry>, ZipError> {
    let eocd_at = find_eocd(bytes)?;
    let eocd = &bytes[eocd_at..eocd_at + EOCD_LEN];
    let (disk, central_disk) = (le16(eocd, 4), le16(eocd, 6));
    let (on_disk, count) = (le16(eocd, 8), le16(eocd, 10));
    let (central_size, central_offset) = (le32(eocd, 12), le32(eocd, 16));
    if disk != 0 || central_disk != 0 || on_disk != count {
        return err(
            "the archive is split across several files (multi-disk zip), which the lab cannot \
                    read; join it into one zip file first",
        );
    }
    if count == 0xFFFF || central_size == ZIP64_U32 || central_offset == ZIP64_U32 {
        return err("the archive is a zip64 archive (over 65 534 files or over 4 GiB), which the lab cannot \
                    read; split it into smaller archives");
    }
    let Some(central) = span(u64::from(central_offset), u64::from(central_size), eocd_at) else {
        return err(format!(
            "the archive's central directory lies outside the file; {CORRUPT}"
        ));
    };
    let central_bytes = &bytes[central.clone()];

    // Parse the central directory first, so that every problem in it is found before any data is read.
    let mut records = Vec::with_capacity(usize::from(count));
    let mut pos = 0usize;
    for index in 0..count {
        let Some(header) = central_bytes.get(pos..pos + CENTRAL_LEN) else {
            return err(format!(
                "the central directory ends after {index} of {count} entries; {CORRUPT}"
            ));
        };
        if le32(header, 0) != CENTRAL_SIG {
            return err(format!(
                "central directory entry {} has a bad signature; {CORRUPT}",
                index + 1
            ));
        }
        let name_len = usize::from(le16(header, 28));
        let rest = name_len + usize::from(le16(header, 30)) + usize::from(le16(header, 32));
        let name_start = pos + CENTRAL_LEN;
        if central_bytes.len() < name_start + rest {
            return err(format!(
                "central directory entry {} runs past the directory's end; {CORRUPT}",
                index + 1
            ));
        }
        records.push(CentralEntry {
            name: &central_bytes[name_start..name_start + name_len],
            flags: le16(header, 8),
            method: le16(header, 10),
            crc: le32(header, 16),
            compressed: le32(header, 20),
            size: le32(header, 24),
            offset: le32(header, 42),
        });
        pos = name_start + rest;
    }
    if pos != central_bytes.len() {
        return err(format!(
            "the central directory is {} bytes but its {count} entries use {pos}; {CORRUPT}",
            central_bytes.len()
        ));
    }

    let mut seen = FxHashSet::default();
    let mut spans: Vec<(Range<usize>, usize)> = Vec::with_capacity(records.len());
    let mut entries = Vec::with_capacity(records.len());
    for (index, record) in records.iter().enumerate() {
        let label = format!(
            "zip entry {} ({:?})",
            index + 1,
            String::from_utf8_lossy(record.name)
        );
        let Ok(name) = std::str::from_utf8(record.name) else {
            return err(format!(
                "{label}: the name is not valid UTF-8; re-zip the files with a tool that writes UTF-8 \
                 names, or export them from the lab"
            ));
        };
        if record.flags & FLAG_ENCRYPTED != 0 {
            return err(format!(
                "{label} is encrypted; the lab reads only unencrypted archives — re-zip the files \
                 without a password"
            ));
        }
        match record.method {
            METHOD_STORED => {}
            METHOD_DEFLATED => {
                return err(format!(
                    "{label} is compressed (deflate); the lab reads only uncompressed zip files — import \
                     an archive exported by the lab, or re-zip the files without compression (e.g. \
                     `zip -0 -r out.zip folder`)"
                ))
            }
            other => {
                return err(format!(
                    "{label} uses compression method {other}; the lab reads only uncompressed zip files \
                     — import an archive exported by the lab, or re-zip the files without compression \
                     (e.g. `zip -0 -r out.zip folder`)"
                ))
            }
        }
        if record.compressed == ZIP64_U32 || record.size == ZIP64_U32 || record.offset == ZIP64_U32
        {
            return err(format!(
                "{label} needs zip64 (4 GiB or more), which the lab cannot read; split the archive"
            ));
        }
        if record.compressed != record.size {
            return err(format!(
                "{label} is stored uncompressed but its compressed size ({}) differs from its size \
                 ({}); {CORRUPT}",
                record.compressed, record.size
            ));
        }
        if let Some(problem) = name_problem(name, record.size as usize) {
            return err(format!(
                "{label}: {problem}; the lab refuses such names — rename the file and re-zip"
            ));
        }
        if !seen.insert(name) {
            return err(format!(
                "{label}: the name appears twice in the archive; re-zip it with unique names"
            ));
        }

        // The local header, which must agree with the central record.
        let header_at = u64::from(record.offset);
        let Some(local_range) = span(header_at, LOCAL_LEN as u64, central.start) else {
            return err(format!(
                "{label}: its local header lies outside the data area; {CORRUPT}"
            ));
        };
        let local = &bytes[local_range];
        if le32(local, 0) != LOCAL_SIG {
            return err(format!(
                "{label}: its local header has a bad signature; {CORRUPT}"
            ));
        }
        let local_flags = le16(local, 6);
        if le16(local, 8) != record.method || local_flags & FLAG_ENCRYPTED != 0 {
            return err(format!(
                "{label}: its local header disagrees with the central directory; {CORRUPT}"
            ));
        }
        let local_name_len = u64::from(le16(local, 26));
        let extra_len = u64::from(le16(local, 28));
        let name_at = header_at + LOCAL_LEN as u64;
        let local_name = span(name_at, local_name_len, central.start).map(|r| &bytes[r]);
        if local_name != Some(record.name) {
            return err(format!(
                "{label}: the name in its local header differs from the central directory; {CORRUPT}"
            ));
        }
        // Streaming writers (flag bit 3) put zeros here and the real values after the data; the central
        // directory always has them, so only compare when there is no data descriptor.
        if (record.flags | local_flags) & FLAG_DESCRIPTOR == 0
            && (le32(local, 14) != record.crc
                || le32(local, 18) != record.compressed
                || le32(local, 22) != record.size)
        {
            return err(format!(
                "{label}: the CRC or sizes in its local header differ from the central directory; \
                 {CORRUPT}"
            ));
        }
        let data_at = name_at + local_name_len + extra_len;
        let Some(data_range) = span(data_at, u64::from(record.size), central.start) else {
            return err(format!(
                "{label}: its data runs past the data area (the archive may be truncated); {CORRUPT}"
            ));
        };
        let data = &bytes[data_range.clone()];
        let actual = crc32(data);
        if actual != record.crc {
            return err(format!(
                "{label}: CRC-32 mismatch (recorded {:#010x}, computed {actual:#010x}); {CORRUPT}",
                record.crc
            ));
        }
        spans.push((header_at as usize..data_range.end, index));
        entries.push(Entry {
            name: name.to_owned(),
            data: data.to_vec(),
        });
    }

    // Entries must not share bytes: overlapping entries are how "zip bombs" multiply data, and no honest
    // writer produces them.
    spans.sort_by_key(|(range, _)| range.start);
    for pair in spans.windows(2) {
        let ((a, ia), (b, ib)) = (&pair[0], &pair[1]);
        if b.start < a.end {
            let (first, second) = ((*ia).min(*ib), (*ia).max(*ib));
            return err(format!(
                "zip entries {} ({:?}) and {} ({:?}) overlap; {CORRUPT}",
                first + 1,
                entries[first].name,
                second + 1,
                entries[second].name
            ));
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::process::Command;

    fn entry(name: &str, data: &[u8]) -> Entry {
        Entry {
            name: name.to_owned(),
            data: data.to_vec(),
        }
    }

    fn sample() -> Vec<Entry> {
        vec![
            entry(
                "manifest.json",
                br#"{"version":1,"files":["data/train.jsonl"]}"#,
            ),
            entry("data/", b""),
            entry(
                "data/train.jsonl",
                b"{\"text\":\"hello\"}\n{\"text\":\"world\"}\n",
            ),
            entry("data/empty.txt", b""),
            entry(
                "data/binary.bin",
                &(0..=255u8).rev().chain(0..=255).collect::<Vec<_>>(),
            ),
            entry("données/ñame-日本語-🙂.txt", "Grüße, 世界".as_bytes()),
        ]
    }

    fn small() -> Vec<u8> {
        write_zip(&[entry("a.txt", b"hello"), entry("d/e", &[0, 1, 2, 255])]).unwrap()
    }

    /// A fresh, empty temporary directory for one test (no tempfile crate: pid + tag keep it unique).
    fn temp_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("datalab-zip-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn have(tool: &str, arg: &str) -> bool {
        let ok = Command::new(tool)
            .arg(arg)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !ok {
            eprintln!("skipping: `{tool}` is not installed, so this cross-check cannot run");
        }
        ok
    }

    fn python(script: &str, args: &[&str]) -> std::process::Output {
        let out = Command::new("python3")
            .arg("-c")
            .arg(script)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "python failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn error(bytes: &[u8]) -> String {
        read_zip(bytes).unwrap_err().0
    }

    #[test]
    fn crc32_known_answers() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b"x"), 0x8CDC_1683); // python3 -c "import zlib; print(hex(zlib.crc32(b'x')))"
        assert_eq!(
            crc32(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
    }

    #[test]
    fn writes_the_exact_expected_bytes() {
        // Pins the layout: a change here changes every export's bytes (and hashes).
        let mut expected = vec![];
        expected.extend_from_slice(b"PK\x03\x04\x14\x00\x00\x08\x00\x00\x00\x00\x21\x00");
        expected
            .extend_from_slice(b"\x83\x16\xdc\x8c\x01\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00");
        expected.extend_from_slice(b"ax");
        expected.extend_from_slice(b"PK\x01\x02\x14\x00\x14\x00\x00\x08\x00\x00\x00\x00\x21\x00");
        expected
            .extend_from_slice(b"\x83\x16\xdc\x8c\x01\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00");
        expected.extend_from_slice(b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00a");
        expected.extend_from_slice(b"PK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00");
        expected.extend_from_slice(b"\x2f\x00\x00\x00\x20\x00\x00\x00\x00\x00");
        assert_eq!(write_zip(&[entry("a", b"x")]).unwrap(), expected);
        assert_eq!(
            write_zip(&[]).unwrap(),
            b"PK\x05\x06"
                .iter()
                .copied()
                .chain([0; 18])
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn round_trips_entries_in_order() {
        let entries = sample();
        let bytes = write_zip(&entries).unwrap();
        assert_eq!(read_zip(&bytes).unwrap(), entries);
        assert_eq!(read_zip(&write_zip(&[]).unwrap()).unwrap(), vec![]);
        // Order is as given, not sorted.
        let reversed: Vec<Entry> = entries.iter().rev().cloned().collect();
        assert_eq!(read_zip(&write_zip(&reversed).unwrap()).unwrap(), reversed);
    }

    #[test]
    fn write_read_write_is_byte_identical() {
        let first = write_zip(&sample()).unwrap();
        let second = write_zip(&read_zip(&first).unwrap()).unwrap();
        assert_eq!(first, second);
        assert_eq!(write_zip(&sample()).unwrap(), first);
    }

    #[test]
    fn writer_refuses_bad_names_and_duplicates() {
        for bad in [
            "",
            "../x",
            "a/../../x",
            "..",
            "/etc/passwd",
            "a\\b",
            "nul\0",
            "dir/",
        ] {
            let data: &[u8] = if bad == "dir/" { b"data" } else { b"" };
            let e = write_zip(&[entry(bad, data)]).unwrap_err();
            assert!(e.0.contains("rename"), "{bad:?}: {e}");
        }
        // ".." inside a file name is not a path component and is fine.
        assert!(write_zip(&[entry("v1..v2.txt", b"ok")]).is_ok());
        let e = write_zip(&[entry("a", b"1"), entry("b", b""), entry("a", b"2")]).unwrap_err();
        assert!(e.0.contains("twice"), "{e}");
        let long = "x".repeat(70_000);
        assert!(write_zip(&[entry(&long, b"")]).is_err());
    }

    #[test]
    fn writer_refuses_what_needs_zip64() {
        let many: Vec<Entry> = (0..=MAX_ENTRIES)
            .map(|i| entry(&i.to_string(), b""))
            .collect();
        let e = write_zip(&many).unwrap_err();
        assert!(e.0.contains("65534") && e.0.contains("fewer"), "{e}");
        assert_eq!(fit_u32(0xFFFF_FFFE, "x"), Ok(0xFFFF_FFFE));
        for too_big in [0xFFFF_FFFF, 1 << 32, u64::MAX] {
            let e = fit_u32(too_big, "file \"big\"").unwrap_err();
            assert!(e.0.contains("4 GiB") && e.0.contains("\"big\""), "{e}");
        }
    }

    #[test]
    fn reads_an_archive_with_a_comment() {
        let mut bytes = small();
        let comment = b"a comment with PK\x05\x06 inside";
        let len = bytes.len();
        bytes[len - 2..].copy_from_slice(&(comment.len() as u16).to_le_bytes());
        bytes.extend_from_slice(comment);
        assert_eq!(read_zip(&bytes).unwrap(), read_zip(&small()).unwrap());
    }

    #[test]
    fn deflated_entry_gives_a_clear_error() {
        // Mark the entry as deflated in both headers (the data itself does not matter: the method is
        // checked first).
        let mut bytes = write_zip(&[entry("a.txt", b"hello")]).unwrap();
        bytes[8] = 8;
        let central = LOCAL_LEN + 5 + 5;
        bytes[central + 10] = 8;
        let e = error(&bytes);
        assert!(
            e.contains("compressed")
                && e.contains("exported by the lab")
                && e.contains("without compression"),
            "{e}"
        );
    }

    #[test]
    fn truncated_archives_are_errors() {
        let bytes = write_zip(&sample()).unwrap();
        for len in 0..bytes.len() {
            assert!(
                read_zip(&bytes[..len]).is_err(),
                "prefix of {len} bytes was accepted"
            );
        }
        assert!(error(&bytes[..bytes.len() - 1]).contains("truncated"));
        assert!(read_zip(b"not a zip at all, just some text that is long enough").is_err());
    }

    #[test]
    fn corrupted_crc_is_an_error() {
        let mut bytes = small();
        bytes[LOCAL_LEN + 5 + 1] ^= 0x20; // "hello" → "hEllo"
        let e = error(&bytes);
        assert!(e.contains("CRC-32 mismatch") && e.contains("a.txt"), "{e}");
    }

    /// Rewrites an archive's names in place (same length), in both local and central headers.
    fn rename(bytes: &mut [u8], from: &[u8], to: &[u8]) {
        assert_eq!(from.len(), to.len());
        let mut i = 0;
        let mut hits = 0;
        while i + from.len() <= bytes.len() {
            if &bytes[i..i + from.len()] == from {
                bytes[i..i + from.len()].copy_from_slice(to);
                hits += 1;
            }
            i += 1;
        }
        assert_eq!(hits, 2);
    }

    #[test]
    fn traversal_and_unsafe_names_are_errors() {
        for bad in [&b"../e"[..], b"/etc", b"a\\b", b"a/.."] {
            let mut bytes =
                write_zip(&[entry("a.txt", b"hi"), entry(&"x".repeat(bad.len()), b"")]).unwrap();
            rename(&mut bytes, "x".repeat(bad.len()).as_bytes(), bad);
            let e = error(&bytes);
            assert!(e.contains("refuses"), "{e}");
        }
        let mut bytes = write_zip(&[entry("a", b"1"), entry("b", b"2")]).unwrap();
        let central = 2 * (LOCAL_LEN + 2);
        bytes[central + CENTRAL_LEN] = b'b';
        bytes[LOCAL_LEN] = b'b';
        assert!(error(&bytes).contains("twice"));
        let mut bytes = write_zip(&[entry("ab", b"1")]).unwrap();
        rename(&mut bytes, b"ab", b"\xff\xfe");
        assert!(error(&bytes).contains("UTF-8"));
    }

    #[test]
    fn overlapping_entries_are_errors() {
        // Entry "a" holds, as its data, a complete local header + data for "b"; the central record of the
        // real "b" is then pointed into "a"'s data. Everything else checks out, so only overlap is left.
        let inner = write_zip(&[entry("b", b"x")]).unwrap();
        let inner_local = inner[..LOCAL_LEN + 2].to_vec();
        let mut bytes = write_zip(&[entry("a", &inner_local), entry("b", b"x")]).unwrap();
        assert!(read_zip(&bytes).is_ok());
        let central_b = (LOCAL_LEN + 1 + inner_local.len()) + (LOCAL_LEN + 2) + CENTRAL_LEN + 1;
        bytes[central_b + 42..central_b + 46]
            .copy_from_slice(&(LOCAL_LEN as u32 + 1).to_le_bytes());
        let e = error(&bytes);
        assert!(e.contains("overlap"), "{e}");
        // An offset pointing past the data area is refused too.
        bytes[central_b + 42..central_b + 46].copy_from_slice(&0x7FFF_FFFFu32.to_le_bytes());
        assert!(error(&bytes).contains("outside"));
    }

    #[test]
    fn flipping_any_byte_never_panics() {
        let bytes = small();
        for i in 0..bytes.len() {
            let changes: [fn(u8) -> u8; 5] =
                [|b| b ^ 0x01, |b| b ^ 0x80, |b| b ^ 0xFF, |_| 0, |_| 0xFF];
            for change in changes {
                let mut copy = bytes.clone();
                copy[i] = change(copy[i]);
                let _ = read_zip(&copy);
            }
        }
        // Data and name bytes are covered by CRCs and cross-checks: changing one is always caught.
        for i in [LOCAL_LEN, LOCAL_LEN + 5, LOCAL_LEN + 9] {
            let mut copy = bytes.clone();
            copy[i] ^= 0x01;
            assert!(read_zip(&copy).is_err(), "byte {i}");
        }
    }

    #[test]
    fn python_reads_our_archive() {
        if !have("python3", "--version") {
            return;
        }
        let dir = temp_dir("ours");
        let path = dir.join("ours.zip");
        let entries = sample();
        std::fs::write(&path, write_zip(&entries).unwrap()).unwrap();
        let script = "import json, sys, zipfile\n\
                      z = zipfile.ZipFile(sys.argv[1])\n\
                      assert z.testzip() is None\n\
                      print(json.dumps([[i.filename, z.read(i).hex(), i.compress_type, list(i.date_time), \
                      i.flag_bits] for i in z.infolist()]))";
        let out = python(script, &[path.to_str().unwrap()]);
        let seen: Vec<(String, String, u16, Vec<u16>, u16)> =
            serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(seen.len(), entries.len());
        for (e, (name, hex, method, date, flags)) in entries.iter().zip(seen) {
            assert_eq!(e.name, name);
            let ours: String = e.data.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(ours, hex, "{name}");
            assert_eq!(method, 0);
            assert_eq!(date, [1980, 1, 1, 0, 0, 0]);
            assert_eq!(flags, FLAG_UTF8);
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn unzip_tests_our_archive() {
        if !have("unzip", "-v") {
            return;
        }
        let dir = temp_dir("unzip");
        let path = dir.join("ours.zip");
        std::fs::write(&path, write_zip(&sample()).unwrap()).unwrap();
        let out = Command::new("unzip")
            .arg("-tq")
            .arg(&path)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && text.contains("No errors"), "{text}");
        let _ = std::fs::remove_dir_all(dir);
    }

    const PY_WRITE: &str = "import sys, zipfile\n\
        out = sys.argv[1] if len(sys.argv) > 1 else sys.stdout.buffer\n\
        with zipfile.ZipFile(out, 'w', zipfile.ZIP_STORED) as z:\n\
        \x20   z.writestr('a.txt', b'hello')\n\
        \x20   z.writestr('empty', b'')\n\
        \x20   z.writestr('dir/', b'')\n\
        \x20   z.writestr('dir/bin.dat', bytes(range(256)))\n\
        \x20   z.writestr('\u{fc}n\u{ef}/\u{2115}.json', b'{\"k\": 1}')\n\
        \x20   z.comment = b'written by python'\n";

    fn python_expected() -> Vec<Entry> {
        vec![
            entry("a.txt", b"hello"),
            entry("empty", b""),
            entry("dir/", b""),
            entry("dir/bin.dat", &(0..=255u8).collect::<Vec<_>>()),
            entry("ünï/ℕ.json", b"{\"k\": 1}"),
        ]
    }

    #[test]
    fn reads_pythons_stored_archive() {
        if !have("python3", "--version") {
            return;
        }
        let dir = temp_dir("python");
        let path = dir.join("py.zip");
        python(PY_WRITE, &[path.to_str().unwrap()]);
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(read_zip(&bytes).unwrap(), python_expected());
        let _ = std::fs::remove_dir_all(dir);

        // Written to a pipe, Python cannot seek back and uses data descriptors (flag bit 3).
        let streamed = python(PY_WRITE, &[]).stdout;
        assert_ne!(
            le16(&streamed, 6) & FLAG_DESCRIPTOR,
            0,
            "expected a data descriptor"
        );
        assert_eq!(read_zip(&streamed).unwrap(), python_expected());
    }

    #[test]
    fn pythons_deflated_archive_gives_a_clear_error() {
        if !have("python3", "--version") {
            return;
        }
        let script = "import sys, zipfile\n\
                      with zipfile.ZipFile(sys.stdout.buffer, 'w', zipfile.ZIP_DEFLATED) as z:\n\
                      \x20   z.writestr('data.jsonl', b'{\"text\": \"hello\"}\\n' * 100)\n";
        let bytes = python(script, &[]).stdout;
        let e = error(&bytes);
        assert!(
            e.contains("\"data.jsonl\"")
                && e.contains("exported by the lab")
                && e.contains("without compression"),
            "{e}"
        );
    }
}
