//! Install layouts beyond one metadata folder per distribution: legacy editable installs
//! (`setup.py develop`), zipped eggs, and two metadata folders of one name in one
//! directory. `python/genevars/_probe.py` implements the same rules; keep the two in step.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

use super::metadata::{read_header_block, HeaderBlockTooLong};
use super::model::{DirectUrl, Package, ShadowedCopy};
use crate::input::open_for_reading;

/// An `.egg-link` is a path and a line more; a longer one is not an egg-link.
const EGG_LINK_LIMIT: u64 = 64 * 1024;
/// A RECORD longer than this is not read to settle two metadata folders.
const RECORD_LIMIT: u64 = 16 << 20;

/// The files beside an `.egg-info` that make its directory a project checkout: an
/// `.egg-info` there was written by `setup.py develop` / `egg_info`, so the code is
/// imported from the checkout itself.
const PROJECT_FILES: &[&str] = &["setup.py", "setup.cfg", "pyproject.toml"];

/// The project directory an `.egg-link` names (its first line; relative to the link's
/// own directory), or why it names none.
pub(super) fn read_egg_link(link: &Path) -> Result<PathBuf, &'static str> {
    let text =
        read_small(open_for_reading(link), EGG_LINK_LIMIT).map_err(|_| "cannot read .egg-link")?;
    let text = String::from_utf8_lossy(&text);
    let first = text.lines().next().unwrap_or("").trim();
    if first.is_empty() {
        return Err(".egg-link names no project directory");
    }
    let target = Path::new(first);
    Ok(match link.parent() {
        Some(parent) if target.is_relative() => parent.join(target),
        _ => target.to_path_buf(),
    })
}

/// At most `limit` bytes of an opened file (opened non-blocking: a FIFO fails, never hangs).
fn read_small(opened: std::io::Result<File>, limit: u64) -> std::io::Result<Vec<u8>> {
    let mut text = Vec::new();
    opened?.take(limit).read_to_end(&mut text)?;
    Ok(text)
}

/// Whether a directory child is named as a project file (see [`PROJECT_FILES`]).
pub(super) fn is_project_file(name: &[u8]) -> bool {
    PROJECT_FILES.iter().any(|file| file.as_bytes() == name)
}

/// The origin of a legacy editable install: the directory its code is imported from,
/// recorded as PEP 610 records a PEP 660 editable one.
pub(super) fn develop_origin(dir: &Path) -> DirectUrl {
    DirectUrl {
        url: format!("file://{}", dir.to_string_lossy()),
        editable: true,
        kind: "dir".to_string(),
    }
}

/// The header block of `EGG-INFO/PKG-INFO` inside a zipped egg, or why it cannot be read.
pub(super) fn read_zipped_pkg_info(egg: &File) -> Result<Vec<u8>, ZippedEggError> {
    let mut archive = zip::ZipArchive::new(egg).map_err(|_| ZippedEggError::NotZip)?;
    let entry = match archive.by_name("EGG-INFO/PKG-INFO") {
        Ok(entry) => entry,
        Err(zip::result::ZipError::FileNotFound) => return Err(ZippedEggError::NoPkgInfo),
        Err(_) => return Err(ZippedEggError::Unreadable),
    };
    read_header_block(entry).map_err(|e| {
        if e.get_ref()
            .is_some_and(|inner| inner.is::<HeaderBlockTooLong>())
        {
            ZippedEggError::TooLong
        } else {
            ZippedEggError::Unreadable
        }
    })
}

/// Why a zipped egg's metadata could not be read; the messages are the scan's reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(super) enum ZippedEggError {
    #[error("zipped .egg is not a readable zip archive")]
    NotZip,
    #[error("no EGG-INFO/PKG-INFO file")]
    NoPkgInfo,
    #[error("cannot read EGG-INFO/PKG-INFO inside the zipped .egg")]
    Unreadable,
    #[error("EGG-INFO/PKG-INFO header block is longer than 1 MiB")]
    TooLong,
}

/// What code imports a distribution as: the names `top_level.txt` lists, else the
/// top-level modules and packages its RECORD installs. Public names only when there are
/// any (PyYAML: `yaml`, not `_yaml`).
pub(super) fn import_names(
    top_level: std::io::Result<File>,
    record: impl FnOnce() -> std::io::Result<File>,
) -> Vec<String> {
    let mut names = Vec::new();
    if let Ok(text) = read_small(top_level, TOP_LEVEL_LIMIT) {
        for line in String::from_utf8_lossy(&text).lines() {
            push_name(&mut names, &line.trim().replace('/', "."));
        }
    } else if let Ok(text) = read_small(record(), RECORD_NAMES_LIMIT) {
        for line in String::from_utf8_lossy(&text).lines() {
            if let Some(name) = record_module(line) {
                push_name(&mut names, name);
            }
        }
    }
    if names.iter().any(|n| !n.starts_with('_')) {
        names.retain(|n| !n.starts_with('_'));
    }
    names
}

/// `top_level.txt` is a few names; RECORD is read this far for them.
const TOP_LEVEL_LIMIT: u64 = 64 * 1024;
const RECORD_NAMES_LIMIT: u64 = 256 * 1024;

fn push_name(names: &mut Vec<String>, name: &str) {
    let valid = !name.is_empty()
        && name.split('.').all(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
                && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        });
    if valid && !names.iter().any(|n| n == name) {
        names.push(name.to_string());
    }
}

/// The top-level module a RECORD line installs (`yaml/__init__.py` → `yaml`,
/// `six.py` → `six`, `_cffi_backend.cpython-311-x86_64-linux-gnu.so` → `_cffi_backend`).
fn record_module(line: &str) -> Option<&str> {
    let path = line.rsplitn(3, ',').nth(2)?;
    let path = path.trim_matches('"');
    match path.split_once('/') {
        Some((first, _)) => {
            let skip = first.ends_with(".dist-info")
                || first.ends_with(".data")
                || first == "__pycache__"
                || first == "..";
            (!skip).then_some(first)
        }
        None => path.strip_suffix(".py").or_else(|| {
            [".so", ".pyd"]
                .iter()
                .any(|ext| path.ends_with(ext))
                .then(|| path.split('.').next())
                .flatten()
        }),
    }
}

/// One distribution per name among the packages read from one directory, in order. Where
/// two metadata folders share a name, the one whose RECORD matches the files on disk is
/// kept and the others go to its `same_directory`; when RECORD cannot tell, the first is
/// kept with `version_uncertain` set.
pub(super) fn settle_same_directory(dir: &Path, packages: Vec<Package>) -> Vec<Package> {
    let mut names = std::collections::HashSet::with_capacity(packages.len());
    if packages.iter().all(|p| names.insert(p.name.as_str())) {
        return packages; // the common case: one folder per name
    }
    let mut groups: Vec<Vec<Package>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for package in packages {
        match index.get(&package.name) {
            Some(&i) => groups[i].push(package),
            None => {
                index.insert(package.name.clone(), groups.len());
                groups.push(vec![package]);
            }
        }
    }
    groups.into_iter().map(|group| settle(dir, group)).collect()
}

fn settle(dir: &Path, mut group: Vec<Package>) -> Package {
    if group.len() == 1 {
        return group.remove(0);
    }
    let scores: Vec<Option<(usize, usize)>> = group
        .iter()
        .map(|p| record_score(dir, Path::new(&p.metadata_path)))
        .collect();
    let winner = certain_winner(&scores);
    let mut kept = group.remove(winner.unwrap_or(0));
    kept.same_directory = group
        .into_iter()
        .map(|p| ShadowedCopy {
            version: p.version,
            location: p.location,
            metadata_path: p.metadata_path,
        })
        .collect();
    kept.version_uncertain = winner.is_none();
    kept
}

/// The candidate whose files are surely the ones on disk: the only one with the best
/// share of matching files, and, when some candidate has no RECORD, a full match.
fn certain_winner(scores: &[Option<(usize, usize)>]) -> Option<usize> {
    // a/b > c/d without division.
    let better = |(a, b): (usize, usize), (c, d): (usize, usize)| a * d > c * b;
    let (best, score) = scores
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.map(|s| (i, s)))
        .fold(
            None,
            |acc: Option<(usize, (usize, usize))>, (i, s)| match acc {
                Some((_, top)) if !better(s, top) => acc,
                _ => Some((i, s)),
            },
        )?;
    let unique = scores
        .iter()
        .enumerate()
        .all(|(i, s)| i == best || s.is_none_or(|s| better(score, s)));
    let full = score.0 == score.1;
    let all_known = scores.iter().all(Option::is_some);
    (score.0 > 0 && unique && (all_known || full)).then_some(best)
}

/// `(files whose size matches RECORD, files RECORD gives a size for)`, counting only the
/// distribution's own files (not its metadata folder, not bytecode caches). `None` when
/// there is no RECORD, or it lists no such file.
fn record_score(dir: &Path, metadata: &Path) -> Option<(usize, usize)> {
    let text = read_small(open_for_reading(&metadata.join("RECORD")), RECORD_LIMIT).ok()?;
    let text = String::from_utf8_lossy(&text);
    let (mut matching, mut total) = (0, 0);
    for line in text.lines() {
        let Some((path, size)) = record_line(line) else {
            continue;
        };
        if path.contains(".dist-info/") || path.contains("__pycache__/") {
            continue;
        }
        total += 1;
        if fs::metadata(dir.join(path)).is_ok_and(|m| m.is_file() && m.len() == size) {
            matching += 1;
        }
    }
    (total > 0).then_some((matching, total))
}

/// `path,hash,size` (the path quoted when it holds a comma), when it gives a size.
fn record_line(line: &str) -> Option<(&str, u64)> {
    let mut fields = line.rsplitn(3, ',');
    let size = fields.next()?.trim().parse().ok()?;
    let _hash = fields.next()?;
    let path = fields.next()?;
    let path = path
        .strip_prefix('"')
        .and_then(|p| p.strip_suffix('"'))
        .unwrap_or(path);
    Some((path, size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_winner_must_be_sure() {
        assert_eq!(certain_winner(&[Some((1, 3)), Some((3, 3))]), Some(1));
        assert_eq!(certain_winner(&[Some((3, 3)), Some((3, 3))]), None);
        assert_eq!(certain_winner(&[Some((0, 3)), Some((0, 2))]), None);
        assert_eq!(certain_winner(&[None, Some((3, 3))]), Some(1));
        assert_eq!(certain_winner(&[None, Some((2, 3))]), None);
        assert_eq!(certain_winner(&[None, None]), None);
    }

    #[test]
    fn import_names_from_top_level_or_record() {
        let tmp = tempfile::tempdir().unwrap();
        let file = |name: &str, text: &str| {
            let path = tmp.path().join(name);
            std::fs::write(&path, text).unwrap();
            File::open(path)
        };
        let none = || Err(std::io::ErrorKind::NotFound.into());
        assert_eq!(import_names(file("t1", "_yaml\nyaml\n"), none), ["yaml"]);
        assert_eq!(
            import_names(file("t2", "_cffi_backend\n"), none),
            ["_cffi_backend"]
        );
        assert_eq!(
            import_names(file("t3", "google/protobuf\nbad name\n"), none),
            ["google.protobuf"]
        );
        let record = "six.py,sha256=x,1\nsix-1.16.0.dist-info/METADATA,,\n__pycache__/six.cpython-311.pyc,,\n\
            grpc/__init__.py,,\ngrpc/_cython/cygrpc.so,,\n_speed.cpython-311-x86_64-linux-gnu.so,,\n../../bin/tool,,\n";
        assert_eq!(
            import_names(Err(std::io::ErrorKind::NotFound.into()), || file(
                "r", record
            )),
            ["six", "grpc"]
        );
    }

    #[test]
    fn record_lines() {
        assert_eq!(record_line("a/b.py,sha256=x,12"), Some(("a/b.py", 12)));
        assert_eq!(record_line("\"a,b.py\",sha256=x,3"), Some(("a,b.py", 3)));
        assert_eq!(record_line("a-1.dist-info/RECORD,,"), None);
    }
}
