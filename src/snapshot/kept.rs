//! Parsed snapshots kept between comparisons, by their JSON text.
//!
//! A driver compares its snapshot with its cluster again and again, and reading a
//! 5,000-package snapshot's JSON (and freeing it afterwards) costs more than comparing
//! it. A text seen before gives the snapshot parsed then, shared (`Arc`) with whoever
//! holds it. The text is the key and is compared in full, never by a hash alone, so no
//! text can stand for another. Kept: the last few texts, [`KEPT_SNAPSHOTS`] at most and
//! [`KEPT_BYTES`] of text in all; a text larger than that is parsed and not kept.
//! `GENEVARS_NO_CACHE=1` turns the keeping off (every text is parsed).
//!
//! Neither texts nor snapshots are ever printed from here: a snapshot holds a process's
//! variables, and the keeping has no `Debug`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};

use super::load::{from_json_str, SnapshotError};
use super::model::Snapshot;
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

struct Entry {
    text: Box<str>,
    snapshot: Arc<Snapshot>,
}

/// Most recently used last.
#[derive(Default)]
struct Kept {
    entries: VecDeque<Entry>,
    bytes: usize,
}

impl Kept {
    fn find(&mut self, text: &str) -> Option<Arc<Snapshot>> {
        let at = self
            .entries
            .iter()
            .rposition(|e| e.text.len() == text.len() && *e.text == *text)?;
        let entry = self.entries.remove(at)?;
        let found = Arc::clone(&entry.snapshot);
        self.entries.push_back(entry);
        Some(found)
    }

    /// Keeps `snapshot` for `text`, returning the entries that no longer fit.
    fn keep(&mut self, text: &str, snapshot: &Arc<Snapshot>) -> Vec<Entry> {
        let mut dropped = Vec::new();
        if text.len() > KEPT_BYTES {
            return dropped;
        }
        // Parsed at the same time on two threads, a text may already be here.
        if self.entries.iter().any(|e| *e.text == *text) {
            return dropped;
        }
        self.bytes += text.len();
        self.entries.push_back(Entry {
            text: text.into(),
            snapshot: Arc::clone(snapshot),
        });
        while self.entries.len() > KEPT_SNAPSHOTS || self.bytes > KEPT_BYTES {
            let Some(oldest) = self.entries.pop_front() else {
                break;
            };
            self.bytes -= oldest.text.len();
            dropped.push(oldest);
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
    let snapshot = Arc::new(from_json_str(source, text)?);
    let dropped = kept().keep(text, &snapshot);
    // Freeing a large snapshot takes milliseconds that the caller need not wait for.
    if !dropped.is_empty() {
        parallel::drop_aside(dropped);
    }
    Ok(snapshot)
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
        assert!(kept.keep(&a, &snap).is_empty());
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
            dropped += kept.keep(text, snap).len();
        }
        assert_eq!(dropped, 2);
        assert_eq!(kept.entries.len(), KEPT_SNAPSHOTS);
        assert!(kept.find(&texts[0]).is_some());
        assert!(kept.find(&texts[1]).is_none() && kept.find(&texts[2]).is_none());
        assert_eq!(
            kept.bytes,
            kept.entries.iter().map(|e| e.text.len()).sum::<usize>()
        );
    }

    #[test]
    fn a_text_over_the_bound_is_not_kept() {
        let mut kept = Kept::default();
        let text = " ".repeat(KEPT_BYTES + 1);
        let snap = Arc::new(from_json_str("a", &text_of(1, "/a")).unwrap());
        assert!(kept.keep(&text, &snap).is_empty());
        assert!(kept.entries.is_empty() && kept.bytes == 0);
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
