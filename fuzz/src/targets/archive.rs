//! Archives: zip (workspace exports), gzip and tar (the IMDb download), streamed in pieces.

use datalab::core::archive::gzip::Gunzip;
use datalab::core::archive::tar::{EntryInfo, Sink, TarReader};
use datalab::core::archive::zip::{read_zip, write_zip};
use datalab::core::dataset::workspace::{export_zip, import_zip};
use datalab::core::imdb::csv::{read_split, write_split};
use datalab::core::imdb::unpack::Unpacker;

use super::{ensure, lines_in, lines_named_exist};
use crate::engine::{default_bound, fnv, Target};
use crate::split::pieces;

pub const ZIP: Target = Target {
    name: "zip",
    about: "zip archives: entries read, written back and read again",
    run: zip,
    max_len: 32 << 10,
    dict: &[
        b"PK\x03\x04",
        b"PK\x01\x02",
        b"PK\x05\x06",
        b"PK\x06\x06",
        b"PK\x06\x07",
        b"\xff\xff\xff\xff",
        b"/",
        b"../",
    ],
    bound: default_bound,
};

pub const WORKSPACE: Target = Target {
    name: "workspace",
    about: "workspace exports (.zip): manifest, versions' rows and quarantine checked against their hashes, exported and imported again",
    run: workspace,
    max_len: 32 << 10,
    dict: &[b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06", b"workspace.json", b"versions/", b"quarantine/", b"\"current\"", b"\"versions\""],
    bound: default_bound,
};

pub const GZIP: Target = Target {
    name: "gzip",
    about: "gzip streams (members, header fields, CRC and size trailers), fed whole and in pieces",
    run: gzip,
    max_len: 16 << 10,
    dict: &[
        b"\x1f\x8b\x08",
        b"\x1f\x8b\x08\x08",
        b"\x1f\x8b\x08\x1f",
        b"\x00\x00\xff\xff",
        b"\x03\x00",
    ],
    bound: default_bound,
};

pub const TAR: Target = Target {
    name: "tar",
    about:
        "tar archives (ustar, GNU long names, pax paths, base-256 sizes), fed whole and in pieces",
    run: tar,
    max_len: 16 << 10,
    dict: &[
        b"ustar\x0000",
        b"ustar  \x00",
        b"././@LongLink",
        b"path=",
        b"00000001000",
        b"77777777777",
        b"\x80\x00\x00\x00",
        b"\xff\xff\xff\xff",
    ],
    bound: default_bound,
};

pub const IMDB_CSV: Target = Target {
    name: "imdb-csv",
    about: "the IMDb splits' text,label CSV files (the lab's own or the reference script's), read, written, read again",
    run: imdb_csv,
    max_len: 16 << 10,
    dict: &[b"text,label\n", b"\"", b"\"\"", b",0\n", b",1\r\n", b",2\n", b"\r\n"],
    bound: default_bound,
};

pub const IMDB: Target = Target {
    name: "imdb",
    about: "the IMDb archive (.tar.gz → reviews), fed whole and in pieces",
    run: imdb,
    max_len: 64 << 10,
    dict: &[
        b"\x1f\x8b\x08",
        b"aclImdb/",
        b"train/pos/",
        b"test/neg/",
        b"ustar\x0000",
    ],
    bound: default_bound,
};

fn zip(data: &[u8]) -> Result<(), String> {
    let Ok(entries) = read_zip(data) else {
        return Ok(());
    };
    let Ok(again) = write_zip(&entries) else {
        return Ok(());
    };
    let back =
        read_zip(&again).map_err(|e| format!("a zip the lab wrote does not read: {}", e.0))?;
    ensure(back == entries, || {
        "zip → entries → zip → entries changed them".into()
    })
}

fn workspace(data: &[u8]) -> Result<(), String> {
    let Ok(files) = import_zip(data) else {
        return Ok(());
    };
    let again = export_zip(
        &files.workspace,
        |id| files.rows.get(id).cloned(),
        |id| files.quarantine.get(id).cloned(),
    )
    .map_err(|e| format!("an imported workspace does not export: {e}"))?;
    let back =
        import_zip(&again).map_err(|e| format!("an exported workspace does not import: {e}"))?;
    ensure(back == files, || {
        "workspace → zip → workspace changed it".into()
    })
}

/// Inflated bytes are counted and hashed, not kept: the heap bound is the parser's, not the test's.
fn gunzip(parts: &[&[u8]]) -> (Result<(), String>, u64, u64) {
    let mut g = Gunzip::new();
    // FNV-1a carried across pieces: the same bytes hash the same however they were cut.
    let (mut n, mut h) = (0u64, 0xcbf2_9ce4_8422_2325u64);
    let mut sink = |b: &[u8]| {
        n += b.len() as u64;
        for &x in b {
            h = (h ^ x as u64).wrapping_mul(0x100_0000_01b3);
        }
        Ok(())
    };
    for p in parts {
        if let Err(e) = g.push(p, &mut sink) {
            return (Err(e), n, h);
        }
    }
    (g.finish(), n, h)
}

fn gzip(data: &[u8]) -> Result<(), String> {
    let whole = gunzip(&[data]);
    let cut = gunzip(&pieces(data, 1));
    // On an error only the message must agree: how much of a damaged stream inflated before the damage
    // was seen depends on the inflater's buffering, and all of it is thrown away.
    let same = whole.0 == cut.0 && (whole.0.is_err() || (whole.1, whole.2) == (cut.1, cut.2));
    ensure(same, || {
        format!(
            "gzip read whole gave {:?} ({} bytes), in pieces {:?} ({} bytes)",
            whole.0, whole.1, cut.0, cut.1
        )
    })
}

/// Each file the reader handed over: its entry, a hash of its bytes and their number.
type Kept = Vec<(EntryInfo, u64, usize)>;

#[derive(Default)]
struct Files(Kept);

impl Sink for Files {
    fn wants(&mut self, _: &EntryInfo) -> bool {
        true
    }
    fn file(&mut self, info: EntryInfo, data: Vec<u8>) -> Result<(), String> {
        self.0.push((info, fnv(&data), data.len()));
        Ok(())
    }
}

fn untar(parts: &[&[u8]]) -> (Result<(), String>, Kept) {
    let mut t = TarReader::new();
    let mut files = Files::default();
    for p in parts {
        if let Err(e) = t.push(p, &mut files) {
            return (Err(e), files.0);
        }
    }
    (t.finish(), files.0)
}

fn tar(data: &[u8]) -> Result<(), String> {
    let whole = untar(&[data]);
    let cut = untar(&pieces(data, 2));
    for (info, _, len) in &whole.1 {
        ensure(info.size == *len as u64, || {
            format!(
                "{}: declared {} bytes, handed over {len}",
                info.path, info.size
            )
        })?;
    }
    ensure(whole == cut, || {
        format!("tar read whole gave {:?}, in pieces {:?}", whole.0, cut.0)
    })
}

fn unpack(parts: &[&[u8]]) -> String {
    let mut u = Unpacker::new();
    for p in parts {
        if let Err(e) = u.push(p) {
            return format!("Err({e})");
        }
    }
    format!("{:?}", u.finish())
}

fn imdb(data: &[u8]) -> Result<(), String> {
    let whole = unpack(&[data]);
    let cut = unpack(&pieces(data, 3));
    ensure(whole == cut, || {
        format!("the IMDb archive read whole and in pieces differ: {whole:.200} vs {cut:.200}")
    })
}

fn imdb_csv(data: &[u8]) -> Result<(), String> {
    match read_split(data) {
        Ok(rows) => {
            let again = read_split(&write_split(rows.iter().map(|(t, l)| (t.as_str(), *l)), 0))
                .map_err(|e| format!("a split the lab wrote does not read: {e}"))?;
            ensure(again == rows, || "split → CSV → split changed it".into())
        }
        Err(e) => lines_named_exist(&e, lines_in(data)),
    }
}
