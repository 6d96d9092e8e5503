//! Parsed snapshots kept between comparisons, by their JSON text.
//!
//! A driver compares its snapshot with its cluster again and again, and reading a
//! 5,000-package snapshot's JSON (and freeing it afterwards) costs more than comparing
//! it. A text seen before gives the snapshot parsed then, shared (`Arc`) with whoever
//! holds it. The text is the key and is compared in full, never by a hash alone, so no
//! text can stand for another. Kept: a few texts, [`KEPT_SNAPSHOTS`] at most and
//! [`KEPT_BYTES`] of text in all; a text larger than that is parsed and not kept. A text
//! seen again (the driver's own snapshot, compared with node after node) outlives texts
//! seen once: the oldest of those goes first, and only when every text has been seen
//! again does the least recently used one go.
//! A new text whose package list is a kept snapshot's, byte for byte (another node's
//! answer of the same list, a fresh snapshot of an unchanged environment), is read but
//! for its list, which it then shares with the kept snapshot (nearly all of a text is
//! its list), and the kept texts share that list's text. A list counts in the bound for
//! every text that holds it.
//! `GENEVARS_NO_CACHE=1` turns the keeping off (every text is parsed).
//!
//! Neither texts nor snapshots are ever printed from here: a snapshot holds a process's
//! variables, and the keeping has no `Debug`.

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock};

use super::load::{
    from_json_str, packages_from_json_str, split_from_json_str, split_with_list, SnapshotError,
};
use super::model::{Packages, Snapshot};
use crate::parallel;

/// At most this many snapshots are kept (a driver and a few groups of nodes).
pub const KEPT_SNAPSHOTS: usize = 4;
/// And at most this much of their text in all (the snapshots take about three times as much).
pub const KEPT_BYTES: usize = 24 << 20;

/// Whether this process keeps what it worked out between calls (`GENEVARS_NO_CACHE`
/// unset or empty): parsed snapshots here, requirement checks in `deps`.
pub fn keeping() -> bool {
    std::env::var_os("GENEVARS_NO_CACHE").map_or(true, |v| v.is_empty())
}

/// Where a text's package list lies in it, and the list's text, shared by the kept texts
/// that hold the same list.
struct Listed {
    at: Range<usize>,
    text: Arc<str>,
}

/// A kept text, `head`, then its list's text when read apart, then `tail`, and its snapshot.
struct Entry {
    head: Box<str>,
    list: Option<Arc<str>>,
    tail: Box<str>,
    snapshot: Arc<Snapshot>,
    /// Found again since it was kept.
    found: bool,
}

impl Entry {
    /// The length of its text; a list two texts share counts in both, so the bound holds.
    fn len(&self) -> usize {
        self.head.len() + self.list.as_ref().map_or(0, |l| l.len()) + self.tail.len()
    }

    /// Whether `text` is its text, compared in full.
    fn is(&self, text: &str) -> bool {
        self.len() == text.len()
            && text.starts_with(&*self.head)
            && text.ends_with(&*self.tail)
            && self.list.as_ref().map_or(true, |list| {
                text.get(self.head.len()..text.len() - self.tail.len()) == Some(&**list)
            })
    }
}

/// Most recently used last.
#[derive(Default)]
struct Kept {
    entries: VecDeque<Entry>,
    bytes: usize,
}

impl Kept {
    fn find(&mut self, text: &str) -> Option<Arc<Snapshot>> {
        let at = self.entries.iter().rposition(|e| e.is(text))?;
        let mut entry = self.entries.remove(at)?;
        entry.found = true;
        let found = Arc::clone(&entry.snapshot);
        self.entries.push_back(entry);
        Some(found)
    }

    /// The distinct package lists of the kept snapshots read apart, with their texts,
    /// most recently used first.
    fn lists(&self) -> Vec<(Packages, Arc<str>)> {
        let mut lists: Vec<(Packages, Arc<str>)> = Vec::new();
        for e in self.entries.iter().rev() {
            let Some(text) = &e.list else { continue };
            if !lists.iter().any(|(_, t)| Arc::ptr_eq(t, text)) {
                lists.push((e.snapshot.packages.clone(), Arc::clone(text)));
            }
        }
        lists
    }

    /// Keeps `snapshot` for `text`, its list as `list` says, returning the entries that
    /// no longer fit.
    fn keep(&mut self, text: &str, list: Option<Listed>, snapshot: &Arc<Snapshot>) -> Vec<Entry> {
        let mut dropped = Vec::new();
        if text.len() > KEPT_BYTES {
            return dropped;
        }
        // Parsed at the same time on two threads, a text may already be here.
        if self.entries.iter().any(|e| e.is(text)) {
            return dropped;
        }
        let entry = match list {
            Some(Listed { at, text: list }) => Entry {
                head: text[..at.start].into(),
                list: Some(list),
                tail: text[at.end..].into(),
                snapshot: Arc::clone(snapshot),
                found: false,
            },
            None => Entry {
                head: text.into(),
                list: None,
                tail: "".into(),
                snapshot: Arc::clone(snapshot),
                found: false,
            },
        };
        self.bytes += entry.len();
        self.entries.push_back(entry);
        while self.entries.len() > KEPT_SNAPSHOTS || self.bytes > KEPT_BYTES {
            // The new entry itself (last) is never the one to go, unless alone.
            let newest = self.entries.len() - 1;
            let at = self
                .entries
                .iter()
                .take(newest)
                .position(|e| !e.found)
                .unwrap_or(0);
            let Some(gone) = self.entries.remove(at) else {
                break;
            };
            self.bytes -= gone.len();
            dropped.push(gone);
        }
        dropped
    }
}

fn kept() -> std::sync::MutexGuard<'static, Kept> {
    static KEPT: OnceLock<Mutex<Kept>> = OnceLock::new();
    KEPT.get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// The snapshot of `text`: the one kept for the same text, or [`from_json_str`]'s (then
/// kept). `source` names it in errors; a text that fails is never kept.
pub fn from_json_kept(source: &str, text: &str) -> Result<Arc<Snapshot>, SnapshotError> {
    if !keeping() {
        return from_json_str(source, text).map(Arc::new);
    }
    if let Some(found) = kept().find(text) {
        return Ok(found);
    }
    let lists = kept().lists();
    let (snapshot, list) = read(source, text, &lists)?;
    let snapshot = Arc::new(snapshot);
    let dropped = kept().keep(text, list, &snapshot);
    // Freeing a large snapshot takes milliseconds that the caller need not wait for.
    if !dropped.is_empty() {
        parallel::drop_aside(dropped);
    }
    Ok(snapshot)
}

/// A new text's snapshot, sharing one of the kept `lists` when its list is that list's
/// text, byte for byte, with where its list lies in `text`. A kept list is looked for in
/// the text by its bytes first ([`split_with_list`]: the list is not read at all), then
/// the text is read but for its list, which is compared with the kept ones. Whatever the
/// split refuses is read (and explained) by [`from_json_str`].
fn read(
    source: &str,
    text: &str,
    lists: &[(Packages, Arc<str>)],
) -> Result<(Snapshot, Option<Listed>), SnapshotError> {
    for (packages, list) in lists {
        if let Some((mut snapshot, at)) = split_with_list(text, list) {
            snapshot.packages = packages.clone();
            let text = Arc::clone(list);
            return Ok((snapshot, Some(Listed { at, text })));
        }
    }
    let whole = || from_json_str(source, text).map(|snapshot| (snapshot, None));
    let Some((mut snapshot, list)) = split_from_json_str(text) else {
        return whole();
    };
    let list_text;
    (snapshot.packages, list_text) = match lists.iter().find(|(_, kept)| **kept == *list) {
        Some((packages, kept)) => (packages.clone(), Arc::clone(kept)),
        None => match packages_from_json_str(source, list) {
            Ok(packages) => (packages, Arc::from(list)),
            Err(_) => return whole(),
        },
    };
    // The list is a slice of `text`, borrowed from it by the split.
    let at = list.as_ptr() as usize - text.as_ptr() as usize;
    let at = at..at + list.len();
    let text = list_text;
    Ok((snapshot, Some(Listed { at, text })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::load::to_json_string;
    use crate::snapshot::testutil;

    fn text_of(packages: usize, host: &str) -> String {
        let mut snap = testutil::snapshot();
        snap.packages = (0..packages)
            .map(|i| testutil::package(&format!("pkg{i}"), "1.0"))
            .collect();
        snap.cwd = host.to_string();
        to_json_string(&snap)
    }

    #[test]
    fn a_text_seen_before_gives_the_same_snapshot_and_another_text_its_own() {
        let mut kept = Kept::default();
        let a = text_of(3, "/a");
        let snap = Arc::new(from_json_str("a", &a).unwrap());
        assert!(kept.keep(&a, None, &snap).is_empty());
        assert!(Arc::ptr_eq(&kept.find(&a).unwrap(), &snap));
        // The same length, one byte apart: compared in full, not found.
        let b = a.replace("/a", "/b");
        assert_eq!(a.len(), b.len());
        assert!(kept.find(&b).is_none());
        assert!(kept.find(&a[..a.len() - 1]).is_none());
    }

    #[test]
    fn the_least_recently_used_goes_first_and_the_bound_holds() {
        let mut kept = Kept::default();
        let texts: Vec<String> = (0..KEPT_SNAPSHOTS + 2)
            .map(|i| text_of(1, &format!("/{i}")))
            .collect();
        let snaps: Vec<Arc<Snapshot>> = texts
            .iter()
            .map(|t| Arc::new(from_json_str("t", t).unwrap()))
            .collect();
        let mut dropped = 0;
        for (i, (text, snap)) in texts.iter().zip(&snaps).enumerate() {
            if i == KEPT_SNAPSHOTS {
                // Used again, the first one outlives the second.
                assert!(kept.find(&texts[0]).is_some());
            }
            dropped += kept.keep(text, None, snap).len();
        }
        assert_eq!(dropped, 2);
        assert_eq!(kept.entries.len(), KEPT_SNAPSHOTS);
        assert!(kept.find(&texts[0]).is_some());
        assert!(kept.find(&texts[1]).is_none() && kept.find(&texts[2]).is_none());
        assert_eq!(
            kept.bytes,
            kept.entries.iter().map(Entry::len).sum::<usize>()
        );
    }

    #[test]
    fn a_text_found_again_outlives_texts_seen_once() {
        let mut kept = Kept::default();
        let text = |i: usize| text_of(1, &format!("/{i}"));
        let snap = |t: &str| Arc::new(from_json_str("t", t).unwrap());
        let (driver, node) = (text(0), text(1));
        kept.keep(&driver, None, &snap(&driver));
        kept.keep(&node, None, &snap(&node));
        assert!(kept.find(&driver).is_some());
        // Other nodes' answers, each seen once, push out one another and the first node,
        // never the driver's text.
        for i in 2..2 + 3 * KEPT_SNAPSHOTS {
            let t = text(i);
            kept.keep(&t, None, &snap(&t));
            assert!(kept.find(&driver).is_some(), "{i}");
        }
        assert!(kept.find(&node).is_none());
        assert_eq!(kept.entries.len(), KEPT_SNAPSHOTS);
    }

    #[test]
    fn a_text_over_the_bound_is_not_kept() {
        let mut kept = Kept::default();
        let text = " ".repeat(KEPT_BYTES + 1);
        let snap = Arc::new(from_json_str("a", &text_of(1, "/a")).unwrap());
        assert!(kept.keep(&text, None, &snap).is_empty());
        assert!(kept.entries.is_empty() && kept.bytes == 0);
    }

    /// Reads `text` as a new text against `kept`, and keeps it there.
    fn read_new(kept: &mut Kept, text: &str) -> Result<Arc<Snapshot>, SnapshotError> {
        let (snapshot, list) = read("node 7", text, &kept.lists())?;
        let snapshot = Arc::new(snapshot);
        kept.keep(text, list, &snapshot);
        Ok(snapshot)
    }

    #[test]
    fn a_new_text_of_a_kept_list_shares_it_and_reads_as_a_fresh_parse() {
        let mut kept = Kept::default();
        let first = text_of(50, "/first");
        let kept_first = read_new(&mut kept, &first).unwrap();
        assert_eq!(*kept_first, from_json_str("node 7", &first).unwrap());
        // The same list in another text: another cwd, of another length.
        let mut other = from_json_str("t", &first).unwrap();
        other.cwd = "/second, a longer one".into();
        let second = to_json_string(&other);
        assert!(kept.find(&second).is_none());
        let read = read_new(&mut kept, &second).unwrap();
        assert!(read.packages.shares(&kept_first.packages));
        // Both texts are found again, in full, and a text of another list is not.
        assert!(Arc::ptr_eq(&kept.find(&second).unwrap(), &read));
        assert!(Arc::ptr_eq(&kept.find(&first).unwrap(), &kept_first));
        let third = second.replacen("\"1.0\"", "\"1.1\"", 1);
        assert_eq!(third.len(), second.len());
        assert!(kept.find(&third).is_none());
        assert!(kept.find(&second[..second.len() - 1]).is_none());
        assert_eq!(kept.bytes, first.len() + second.len());
        let fresh = from_json_str("node 7", &second).unwrap();
        assert_eq!(*read, fresh);
        assert_eq!(to_json_string(&read), to_json_string(&fresh));
        assert_eq!(
            serde_json::to_string(&*read).unwrap(),
            serde_json::to_string(&fresh).unwrap()
        );
        // Changing the shared list changes one snapshot's copy only.
        let mut changed = (*read).clone();
        changed.packages[0].version = "2.0".into();
        assert!(!changed.packages.shares(&kept_first.packages));
        assert_eq!(kept_first.packages[0].version, "1.0");
    }

    #[test]
    fn a_list_one_byte_apart_is_read_not_shared() {
        let mut kept = Kept::default();
        let first = text_of(50, "/a");
        let kept_first = read_new(&mut kept, &first).unwrap();
        // Another cwd, and one version one byte apart: the same length in all.
        let second = first.replace("/a", "/b").replacen("\"1.0\"", "\"1.1\"", 1);
        assert_eq!(first.len(), second.len());
        let read = read_new(&mut kept, &second).unwrap();
        assert!(!read.packages.shares(&kept_first.packages));
        assert_eq!(*read, from_json_str("node 7", &second).unwrap());
        assert_eq!(read.packages[0].version, "1.1");
        // A list cut short is no kept list either.
        let (_, list) = split_from_json_str(&first).unwrap();
        let cut = format!("{}]", &list[..=list.rfind("},").unwrap()]);
        assert!(serde_json::from_str::<Vec<serde_json::Value>>(&cut).is_ok());
        let third = first.replace(list, &cut);
        let read = read_new(&mut kept, &third).unwrap();
        assert_eq!(read.packages.len(), 49);
        assert!(!read.packages.shares(&kept_first.packages));
        assert_eq!(*read, from_json_str("node 7", &third).unwrap());
    }

    /// A kept list's bytes elsewhere in a text (in a field before `packages`) are never
    /// taken for its package list.
    #[test]
    fn a_kept_list_found_elsewhere_in_a_text_is_not_taken_for_its_packages() {
        let mut kept = Kept::default();
        let first = text_of(30, "/a");
        let kept_first = read_new(&mut kept, &first).unwrap();
        let (_, list) = split_from_json_str(&first).unwrap();
        let extra = |text: &str| text.replacen('{', &format!("{{\"extra\": {list},"), 1);
        // Another list in `packages`: read, not shared.
        let other = extra(&first.replacen("\"1.0\"", "\"1.1\"", 1));
        let read = read_new(&mut kept, &other).unwrap();
        assert!(!read.packages.shares(&kept_first.packages));
        assert_eq!(*read, from_json_str("node 7", &other).unwrap());
        assert_eq!(read.packages[0].version, "1.1");
        // The same list in `packages` too: found by reading the text, and shared.
        let same = extra(&first);
        let read = read_new(&mut kept, &same).unwrap();
        assert!(read.packages.shares(&kept_first.packages));
        assert_eq!(*read, from_json_str("node 7", &same).unwrap());
    }

    #[test]
    fn errors_in_a_new_text_of_a_kept_list_name_it_with_line_and_column() {
        let mut kept = Kept::default();
        let first = text_of(20, "/a");
        read_new(&mut kept, &first).unwrap();
        let bad_rest = first.replace("\"cwd\": \"/a\"", "\"cwd\": 5");
        let bad_list = first.replace("\"pkg3\"", "\"PKG3\"");
        let trailing = format!("{first} x");
        for text in [bad_rest, bad_list, trailing] {
            assert_ne!(text, first);
            let err = read_new(&mut kept, &text).unwrap_err();
            assert_eq!(err, from_json_str("node 7", &text).unwrap_err(), "{text}");
            assert!(err.to_string().starts_with("node 7: "), "{err}");
        }
        let err = read_new(&mut kept, &first.replace("\"cwd\": \"/a\"", "\"cwd\": 5"));
        assert!(
            matches!(err, Err(SnapshotError::Shape { line, column, .. }) if line > 1 && column > 1),
            "{err:?}"
        );
    }

    #[test]
    fn parsing_through_the_keeping_gives_what_the_loader_gives() {
        let text = text_of(5, "/kept-test");
        let first = from_json_kept("a", &text).unwrap();
        assert_eq!(*first, from_json_str("a", &text).unwrap());
        let again = from_json_kept("a", &text).unwrap();
        assert!(!keeping() || Arc::ptr_eq(&first, &again));
        // An error is the loader's, and is never kept.
        let bad = "{\"schema\": 1}";
        assert_eq!(
            from_json_kept("bad.json", bad).unwrap_err(),
            from_json_str("bad.json", bad).unwrap_err()
        );
    }
}
