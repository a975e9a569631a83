//! Diffs between two dataset versions: which rows were added, removed or changed (the text inside a
//! changed field is shown with [`crate::core::worddiff`]).
//!
//! The lab diffs any two versions of datasets of ~50k rows × ~1.5 KB, in the browser, on one thread. So row
//! matching never compares every old row with every new row: each stage is a pass with hash maps, O(n)
//! expected in the number of rows (plus the bytes hashed). Word diffs are only computed for the rows a user
//! looks at, and are capped in size.

use std::collections::VecDeque;
use std::hash::Hash;

use rustc_hash::FxHashMap;

/// The minimal view of a row that diffing needs, so the diff works on any record type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row<'a> {
    /// A stable row id if the data has one (e.g. an `id` column). When both rows being compared have a key,
    /// the key alone decides whether they are the same row.
    pub key: Option<&'a str>,
    /// `[instruction, input, output]`.
    pub fields: [&'a str; 3],
}

/// What happened to one row between the old and the new version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowChange {
    /// A row only in the new version.
    Added { new_index: usize },
    /// A row only in the old version.
    Removed { old_index: usize },
    /// The same row in both versions, with different text in `fields` (indices into
    /// `[instruction, input, output]`, ascending, never empty).
    Changed {
        old_index: usize,
        new_index: usize,
        fields: Vec<usize>,
    },
    /// The same row with identical text (possibly moved).
    Unchanged { old_index: usize, new_index: usize },
}

/// Counts of each kind of [`RowChange`], for the headline of a diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DiffSummary {
    /// Rows only in the new version.
    pub added: usize,
    /// Rows only in the old version.
    pub removed: usize,
    /// Rows in both with at least one field different.
    pub changed: usize,
    /// Rows in both with identical text.
    pub unchanged: usize,
}

/// Two rows may be paired by content or position only if they do not both carry a key: if both have keys,
/// different keys mean different rows (matching keys were already paired).
fn compatible(a: &Row, b: &Row) -> bool {
    a.key.is_none() || b.key.is_none()
}

/// Matching state: for each old row its new partner and vice versa.
struct Matching {
    old_to_new: Vec<Option<usize>>,
    new_to_old: Vec<Option<usize>>,
}

impl Matching {
    fn pair(&mut self, old: usize, new: usize) {
        self.old_to_new[old] = Some(new);
        self.new_to_old[new] = Some(old);
    }

    /// Pairs still-unmatched rows whose `key_of` values are equal, one to one in index order, without ever
    /// pairing two keyed rows (see [`compatible`]).
    ///
    /// Keyed old rows can only take unkeyed new rows and unkeyed old rows are the only partners of keyed new
    /// rows, so those constrained pairings go first; unkeyed rows then pair among themselves. This
    /// maximises the number of pairs within each group of equal values, and when no row has a key (the
    /// usual case) it is simply "the i-th old copy pairs with the i-th new copy".
    fn match_by<'a, K: Hash + Eq>(
        &mut self,
        old: &[Row<'a>],
        new: &[Row<'a>],
        key_of: impl Fn(&Row<'a>) -> K,
    ) {
        let mut new_unkeyed: FxHashMap<K, VecDeque<usize>> = FxHashMap::default();
        let mut new_keyed: FxHashMap<K, VecDeque<usize>> = FxHashMap::default();
        for (j, row) in new.iter().enumerate() {
            if self.new_to_old[j].is_none() {
                let map = if row.key.is_some() {
                    &mut new_keyed
                } else {
                    &mut new_unkeyed
                };
                map.entry(key_of(row)).or_default().push_back(j);
            }
        }
        // Pass 1: keyed old rows take unkeyed new rows. Pass 2: unkeyed old rows take keyed new rows.
        // Pass 3: unkeyed old rows take unkeyed new rows.
        for pass in 0..3 {
            let old_keyed = pass == 0;
            let pool = if pass == 1 {
                &mut new_keyed
            } else {
                &mut new_unkeyed
            };
            if pool.is_empty() {
                continue;
            }
            for (i, row) in old.iter().enumerate() {
                if self.old_to_new[i].is_some() || row.key.is_some() != old_keyed {
                    continue;
                }
                if let Some(j) = pool.get_mut(&key_of(row)).and_then(VecDeque::pop_front) {
                    self.pair(i, j);
                }
            }
        }
    }
}

/// Diffs two versions row by row, in expected O(n) time.
///
/// Rows are paired in stages, each only among rows not yet paired:
///
/// 1. **Key**: rows with equal `key` (when both have one), one to one in order. When both rows have keys,
///    the key is authoritative: rows with different keys are never paired by the later stages.
/// 2. **Exact content**: rows with identical `[instruction, input, output]`, one to one in order, so
///    duplicates pair off copy by copy (a hash map from the row's content — equivalent to its
///    canonical JSON — to a queue of indices). These are `Unchanged`, even if they moved.
/// 3. **Same instruction**: rows with the same instruction text, paired as `Changed`.
/// 4. **Same position**: the remaining unpaired old and new rows, each in order, are zipped; the i-th
///    old and i-th new pair as `Changed` if at least one field is equal *and non-empty* (an empty `input`,
///    common in instruction data, is not evidence that two rows are related).
///
/// Everything still unpaired is `Removed` or `Added`.
///
/// The output lists new rows in new order (`Added`, `Changed` or `Unchanged`). Each `Removed` row is placed
/// right after the entry of the nearest preceding old row that survived (in old order), so a run of deleted
/// rows shows up where it was, as in a unified text diff; removed rows before any surviving row come first.
/// Every old and new index appears exactly once.
pub fn diff_rows(old: &[Row], new: &[Row]) -> (Vec<RowChange>, DiffSummary) {
    let mut m = Matching {
        old_to_new: vec![None; old.len()],
        new_to_old: vec![None; new.len()],
    };

    // 1. Keys.
    let mut by_key: FxHashMap<&str, VecDeque<usize>> = FxHashMap::default();
    for (j, row) in new.iter().enumerate() {
        if let Some(key) = row.key {
            by_key.entry(key).or_default().push_back(j);
        }
    }
    if !by_key.is_empty() {
        for (i, row) in old.iter().enumerate() {
            if let Some(j) = row
                .key
                .and_then(|k| by_key.get_mut(k))
                .and_then(VecDeque::pop_front)
            {
                m.pair(i, j);
            }
        }
    }
    drop(by_key);

    // 2. Exact content. 3. Same instruction.
    m.match_by(old, new, |r| r.fields);
    m.match_by(old, new, |r| r.fields[0]);

    // 4. Same position among the rows left over.
    let left_old: Vec<usize> = (0..old.len())
        .filter(|&i| m.old_to_new[i].is_none())
        .collect();
    let left_new: Vec<usize> = (0..new.len())
        .filter(|&j| m.new_to_old[j].is_none())
        .collect();
    for (i, j) in left_old.into_iter().zip(left_new) {
        let (a, b) = (&old[i], &new[j]);
        let shares_field = a
            .fields
            .iter()
            .zip(&b.fields)
            .any(|(x, y)| !x.is_empty() && x == y);
        if compatible(a, b) && shares_field {
            m.pair(i, j);
        }
    }

    // Output, in new order with removed runs after their surviving predecessor.
    let mut changes = Vec::with_capacity(old.len().max(new.len()));
    let mut summary = DiffSummary::default();
    let push_removed_run =
        |start: usize, changes: &mut Vec<RowChange>, summary: &mut DiffSummary| {
            for old_index in start..old.len() {
                if m.old_to_new[old_index].is_some() {
                    break;
                }
                changes.push(RowChange::Removed { old_index });
                summary.removed += 1;
            }
        };
    push_removed_run(0, &mut changes, &mut summary);
    for (new_index, row) in new.iter().enumerate() {
        match m.new_to_old[new_index] {
            None => {
                changes.push(RowChange::Added { new_index });
                summary.added += 1;
            }
            Some(old_index) => {
                let fields: Vec<usize> = (0..3)
                    .filter(|&f| old[old_index].fields[f] != row.fields[f])
                    .collect();
                if fields.is_empty() {
                    changes.push(RowChange::Unchanged {
                        old_index,
                        new_index,
                    });
                    summary.unchanged += 1;
                } else {
                    changes.push(RowChange::Changed {
                        old_index,
                        new_index,
                        fields,
                    });
                    summary.changed += 1;
                }
                push_removed_run(old_index + 1, &mut changes, &mut summary);
            }
        }
    }
    (changes, summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::Rng;

    fn row<'a>(i: &'a str, inp: &'a str, out: &'a str) -> Row<'a> {
        Row {
            key: None,
            fields: [i, inp, out],
        }
    }

    fn keyed<'a>(k: &'a str, i: &'a str, inp: &'a str, out: &'a str) -> Row<'a> {
        Row {
            key: Some(k),
            fields: [i, inp, out],
        }
    }

    /// Every old and new index appears exactly once, and the summary agrees with the changes.
    fn check_invariants(old: &[Row], new: &[Row], changes: &[RowChange], s: &DiffSummary) {
        let mut seen_old = vec![0; old.len()];
        let mut seen_new = vec![0; new.len()];
        let mut counts = DiffSummary::default();
        for c in changes {
            match c {
                RowChange::Added { new_index } => {
                    seen_new[*new_index] += 1;
                    counts.added += 1;
                }
                RowChange::Removed { old_index } => {
                    seen_old[*old_index] += 1;
                    counts.removed += 1;
                }
                RowChange::Changed {
                    old_index,
                    new_index,
                    fields,
                } => {
                    seen_old[*old_index] += 1;
                    seen_new[*new_index] += 1;
                    counts.changed += 1;
                    assert!(!fields.is_empty());
                    for f in 0..3 {
                        let differs = old[*old_index].fields[f] != new[*new_index].fields[f];
                        assert_eq!(fields.contains(&f), differs);
                    }
                }
                RowChange::Unchanged {
                    old_index,
                    new_index,
                } => {
                    seen_old[*old_index] += 1;
                    seen_new[*new_index] += 1;
                    counts.unchanged += 1;
                    assert_eq!(old[*old_index].fields, new[*new_index].fields);
                }
            }
        }
        assert!(
            seen_old.iter().all(|&n| n == 1),
            "old indices: {seen_old:?}"
        );
        assert!(
            seen_new.iter().all(|&n| n == 1),
            "new indices: {seen_new:?}"
        );
        assert_eq!(&counts, s);
        // New-side entries are in new order.
        let news: Vec<usize> = changes
            .iter()
            .filter_map(|c| match c {
                RowChange::Added { new_index }
                | RowChange::Changed { new_index, .. }
                | RowChange::Unchanged { new_index, .. } => Some(*new_index),
                RowChange::Removed { .. } => None,
            })
            .collect();
        assert!(news.windows(2).all(|w| w[0] < w[1]));
    }

    fn diff(old: &[Row], new: &[Row]) -> (Vec<RowChange>, DiffSummary) {
        let (c, s) = diff_rows(old, new);
        check_invariants(old, new, &c, &s);
        (c, s)
    }

    use RowChange::{Added, Changed, Removed, Unchanged};

    #[test]
    fn identical_and_empty() {
        let rows = [row("a", "", "1"), row("b", "", "2")];
        let (c, s) = diff(&rows, &rows);
        assert_eq!(
            c,
            vec![
                Unchanged {
                    old_index: 0,
                    new_index: 0
                },
                Unchanged {
                    old_index: 1,
                    new_index: 1
                }
            ]
        );
        assert_eq!(
            s,
            DiffSummary {
                unchanged: 2,
                ..Default::default()
            }
        );
        assert_eq!(diff(&[], &[]).0, vec![]);
        let (c, s) = diff(&[], &rows);
        assert_eq!(c, vec![Added { new_index: 0 }, Added { new_index: 1 }]);
        assert_eq!(s.added, 2);
        let (c, s) = diff(&rows, &[]);
        assert_eq!(c, vec![Removed { old_index: 0 }, Removed { old_index: 1 }]);
        assert_eq!(s.removed, 2);
    }

    #[test]
    fn added_removed_and_changed() {
        let old = [
            row("Greet", "", "Hello"),
            row("Count", "", "1 2 3"),
            row("Sum", "1 2", "3"),
            row("Drop me", "", "bye"),
        ];
        let new = [
            row("Greet", "", "Hello!"),   // changed output, same instruction
            row("Count", "", "1 2 3"),    // unchanged
            row("Summarise", "1 2", "3"), // changed instruction, same position among leftovers, shares fields
            row("New", "x", "y"),         // added
        ];
        let (c, s) = diff(&old, &new);
        assert_eq!(
            c,
            vec![
                Changed {
                    old_index: 0,
                    new_index: 0,
                    fields: vec![2]
                },
                Unchanged {
                    old_index: 1,
                    new_index: 1
                },
                Changed {
                    old_index: 2,
                    new_index: 2,
                    fields: vec![0]
                },
                Removed { old_index: 3 },
                Added { new_index: 3 },
            ]
        );
        assert_eq!(
            s,
            DiffSummary {
                added: 1,
                removed: 1,
                changed: 2,
                unchanged: 1
            }
        );
    }

    #[test]
    fn removed_runs_sit_after_their_surviving_predecessor() {
        let old = [
            row("r0", "", "x"),
            row("a", "", "1"),
            row("r1", "", "y"),
            row("r2", "", "z"),
            row("b", "", "2"),
        ];
        let new = [row("a", "", "1"), row("b", "", "2")];
        let (c, _) = diff(&old, &new);
        assert_eq!(
            c,
            vec![
                Removed { old_index: 0 },
                Unchanged {
                    old_index: 1,
                    new_index: 0
                },
                Removed { old_index: 2 },
                Removed { old_index: 3 },
                Unchanged {
                    old_index: 4,
                    new_index: 1
                },
            ]
        );
    }

    #[test]
    fn duplicates_match_one_to_one_in_order() {
        let d = row("dup", "", "same");
        let old = [d, row("x", "", "1"), d, d];
        let new = [d, d, row("x", "", "1")];
        let (c, s) = diff(&old, &new);
        assert_eq!(
            c,
            vec![
                Unchanged {
                    old_index: 0,
                    new_index: 0
                },
                Unchanged {
                    old_index: 2,
                    new_index: 1
                },
                Removed { old_index: 3 },
                Unchanged {
                    old_index: 1,
                    new_index: 2
                },
            ]
        );
        assert_eq!(
            s,
            DiffSummary {
                removed: 1,
                unchanged: 3,
                ..Default::default()
            }
        );
        // Deduplication: three copies become one.
        let (_, s) = diff(&[d, d, d], &[d]);
        assert_eq!(
            s,
            DiffSummary {
                removed: 2,
                unchanged: 1,
                ..Default::default()
            }
        );
    }

    #[test]
    fn reordering_is_unchanged() {
        let old = [row("a", "", "1"), row("b", "", "2"), row("c", "", "3")];
        let new = [old[2], old[0], old[1]];
        let (c, s) = diff(&old, &new);
        assert_eq!(
            c,
            vec![
                Unchanged {
                    old_index: 2,
                    new_index: 0
                },
                Unchanged {
                    old_index: 0,
                    new_index: 1
                },
                Unchanged {
                    old_index: 1,
                    new_index: 2
                },
            ]
        );
        assert_eq!(s.unchanged, 3);
    }

    #[test]
    fn reordered_and_edited_rows_pair_by_instruction() {
        let old = [row("a", "", "1"), row("b", "", "2"), row("c", "", "3")];
        let new = [
            row("c", "", "three"),
            row("a", "", "one"),
            row("b", "", "2"),
        ];
        let (c, _) = diff(&old, &new);
        assert_eq!(
            c,
            vec![
                Changed {
                    old_index: 2,
                    new_index: 0,
                    fields: vec![2]
                },
                Changed {
                    old_index: 0,
                    new_index: 1,
                    fields: vec![2]
                },
                Unchanged {
                    old_index: 1,
                    new_index: 2
                },
            ]
        );
    }

    #[test]
    fn position_pairing_needs_a_shared_non_empty_field() {
        // Same position among leftovers, but only the empty input is equal: not the same row.
        let old = [row("Write a poem", "", "Roses")];
        let new = [row("Name a colour", "", "Blue")];
        let (c, _) = diff(&old, &new);
        assert_eq!(c, vec![Removed { old_index: 0 }, Added { new_index: 0 }]);
        // Sharing the output is enough.
        let new = [row("Write a short poem", "", "Roses")];
        let (c, _) = diff(&old, &new);
        assert_eq!(
            c,
            vec![Changed {
                old_index: 0,
                new_index: 0,
                fields: vec![0]
            }]
        );
    }

    #[test]
    fn keys_decide_identity() {
        let old = [
            keyed("1", "a", "", "x"),
            keyed("2", "b", "", "y"),
            keyed("3", "c", "", "z"),
        ];
        let new = [
            keyed("3", "c", "", "z"),           // moved, unchanged
            keyed("1", "totally new", "", "w"), // same key: changed although nothing is shared
            keyed("4", "b", "", "y"),           // same content as key 2, but a different key
        ];
        let (c, s) = diff(&old, &new);
        assert_eq!(
            c,
            vec![
                Unchanged {
                    old_index: 2,
                    new_index: 0
                },
                Changed {
                    old_index: 0,
                    new_index: 1,
                    fields: vec![0, 2]
                },
                Removed { old_index: 1 },
                Added { new_index: 2 },
            ]
        );
        assert_eq!(
            s,
            DiffSummary {
                added: 1,
                removed: 1,
                changed: 1,
                unchanged: 1
            }
        );
    }

    #[test]
    fn keys_on_one_side_fall_back_to_content() {
        // The old version had ids, the new one (re-imported) does not.
        let old = [keyed("1", "a", "", "x"), keyed("2", "b", "", "y")];
        let new = [row("b", "", "y"), row("a", "", "x!")];
        let (c, _) = diff(&old, &new);
        assert_eq!(
            c,
            vec![
                Unchanged {
                    old_index: 1,
                    new_index: 0
                },
                Changed {
                    old_index: 0,
                    new_index: 1,
                    fields: vec![2]
                },
            ]
        );
        // Mixed: the unkeyed old copy leaves the unkeyed new copy for the keyed old row.
        let old = [row("d", "", "same"), keyed("k", "d", "", "same")];
        let new = [keyed("j", "d", "", "same"), row("d", "", "same")];
        let (_, s) = diff(&old, &new);
        assert_eq!(
            s,
            DiffSummary {
                unchanged: 2,
                ..Default::default()
            }
        );
    }

    #[test]
    fn random_row_diffs_keep_invariants() {
        let mut rng = Rng(7);
        let pool: Vec<String> = (0..12).map(|i| format!("t{i}")).collect();
        let keys: Vec<String> = (0..8).map(|i| format!("k{i}")).collect();
        for _ in 0..300 {
            let gen = |rng: &mut Rng| {
                (0..rng.below(10))
                    .map(|_| Row {
                        key: if rng.below(3) == 0 {
                            Some(keys[rng.below(8)].as_str())
                        } else {
                            None
                        },
                        fields: [
                            pool[rng.below(4)].as_str(),
                            if rng.below(2) == 0 {
                                ""
                            } else {
                                pool[rng.below(12)].as_str()
                            },
                            pool[rng.below(6)].as_str(),
                        ],
                    })
                    .collect::<Vec<_>>()
            };
            let old = gen(&mut rng);
            let new = gen(&mut rng);
            diff(&old, &new);
        }
    }

    #[test]
    fn fifty_thousand_rows() {
        // ~1.5 KB per row; new = old with every 10th row edited, every 25th removed, some added, and a block
        // moved — all paths of the matcher at a realistic size. Must finish quickly (no timing assertion).
        let n = 50_000;
        let filler = "lorem ipsum dolor sit amet ".repeat(52);
        let texts: Vec<(String, String)> = (0..n)
            .map(|i| (format!("Instruction number {i}"), format!("{filler}{i}")))
            .collect();
        let edited: Vec<String> = (0..n)
            .map(|i| {
                if i % 10 == 0 || i % 1000 == 1 {
                    format!("{filler}edited {i}")
                } else {
                    String::new()
                }
            })
            .collect();
        let old: Vec<Row> = texts.iter().map(|(a, b)| row(a, "", b)).collect();
        let mut new: Vec<Row> = Vec::with_capacity(n);
        for i in 0..n {
            if i % 25 == 0 {
                continue;
            }
            let (a, b) = &texts[i];
            new.push(if i % 10 == 0 {
                row(a, "", &edited[i])
            } else {
                row(a, "", b)
            });
            if i % 1000 == 1 {
                new.push(row("brand new", "", &edited[i]));
            }
        }
        new[100..200].reverse();
        let (c, s) = diff(&old, &new);
        assert_eq!(c.len(), s.added + s.removed + s.changed + s.unchanged);
        assert_eq!(s.removed, n / 25);
        assert_eq!(s.added, n / 1000);
        assert_eq!(s.changed, n / 10 - n / 50);
        assert_eq!(s.unchanged, n - s.removed - s.changed);
    }
}
