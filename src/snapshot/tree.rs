//! What a tree scanned without its interpreter (`genevars snapshot --path`) says about the
//! Python and platform it was installed for: its path (`lib/python3.12/`), the names of
//! its compiled modules (`_cffi_backend.cpython-312-x86_64-linux-gnu.so`) and the `Tag:`
//! lines of its wheels' WHEEL files (`cp312-cp312-manylinux_2_17_x86_64`).
//!
//! [`tree_evidence`] lists the evidence in the order it is met; `python/genevars/_tree.py`
//! counts it and decides. A tree of pure wheels, where no tag ever settles the platform,
//! costs one WHEEL read per distribution, so this runs natively, beside the scan.

use std::cmp::Ordering;
use std::ffi::OsString;
use std::fs::{self, File};
use std::io::Read;
use std::path::Path;
use std::sync::OnceLock;

use regex::bytes::Regex;

use super::scan::{open_in, os_bytes};
use crate::parallel;

/// One piece of evidence, in the order met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    /// `lib/pythonX.Y/` (or `lib/pypyX.Y/`, then `pypy` is true) in a path entry.
    Path { major: u64, minor: u64, pypy: bool },
    /// A CPython tag: `cpXY` of a compiled module's name or of a wheel's tag.
    Tag { major: u64, minor: u64 },
    /// `(system, machine)` of a compiled module or a wheel platform tag.
    Platform { system: String, machine: String },
}

/// A few agreeing tags settle it; reading on costs time, not certainty.
const ENOUGH: usize = 3;
/// What is read of a WHEEL file.
const WHEEL_LIMIT: usize = 64 * 1024;

/// The evidence of `paths` (entries as given) whose absolute forms are `absolute` (as
/// `os.path.abspath` gives them, `/`-separated): first each absolute path's Python, then
/// what each entry's top level holds, its names in Python's sorted order: compiled
/// modules by name, `*.dist-info` by their WHEEL's tags. Listing stops once the Python
/// is known (from a path, or from [`ENOUGH`] tags) and [`ENOUGH`] platforms were seen.
/// Entries that cannot be listed and files that cannot be read add nothing.
pub fn tree_evidence<P: AsRef<Path>, A: AsRef<Path>>(paths: &[P], absolute: &[A]) -> Vec<Evidence> {
    let mut found = Found::default();
    for path in absolute {
        if let Some(evidence) = path_python(&os_bytes(path.as_ref().as_os_str())) {
            found.add(evidence);
        }
    }
    for path in paths {
        let path = path.as_ref();
        let dir = if path.as_os_str().is_empty() {
            Path::new(".")
        } else {
            path
        };
        let Ok(listing) = fs::read_dir(dir) else {
            continue;
        };
        // Only these names say anything; the others are passed over.
        let mut names: Vec<OsString> = listing
            .filter_map(|e| e.ok().map(|e| e.file_name()))
            .filter(|name| {
                let bytes = os_bytes(name);
                [".so", ".pyd", ".dist-info"]
                    .iter()
                    .any(|suffix| bytes.ends_with(suffix.as_bytes()))
            })
            .collect();
        if names.iter().all(|name| name.to_str().is_some()) {
            names.sort_unstable(); // UTF-8 compares by bytes as by code points
        } else {
            names.sort_by(|a, b| python_order(&os_bytes(a), &os_bytes(b)));
        }
        let parent = File::open(dir).ok();
        // Read in batches, each on as many threads as it is worth, the batches growing: a
        // tree with compiled packages is settled within the first, a tree of pure wheels
        // is read to its end.
        let (mut start, mut batch) = (0, FIRST_BATCH);
        while start < names.len() {
            let end = names.len().min(start + batch);
            let read = |chunk: &[OsString]| -> Vec<Vec<Evidence>> {
                let mut buf = vec![0u8; WHEEL_LIMIT];
                chunk
                    .iter()
                    .map(|name| name_evidence(parent.as_ref(), dir, name, &mut buf))
                    .collect()
            };
            let chunk = &names[start..end];
            let threads = parallel::threads_for(chunk.len(), NAMES_PER_THREAD);
            for (_, said) in parallel::map_chunks(chunk, threads, read) {
                // Reading does not panic; if it ever did, those names say nothing.
                for evidence in said.unwrap_or_default() {
                    if found.enough() {
                        return found.evidence;
                    }
                    evidence.into_iter().for_each(|e| found.add(e));
                }
            }
            (start, batch) = (end, batch * 2);
        }
    }
    found.evidence
}

/// The first batch of names read; each next one is twice as large.
const FIRST_BATCH: usize = 32;
/// Below this many names per thread one thread is quicker than starting more.
const NAMES_PER_THREAD: usize = 128;

/// What one name of a tree's top level says: a compiled module by its name, a
/// `*.dist-info` by the tags of its WHEEL (read into `buf`).
fn name_evidence(
    parent: Option<&File>,
    dir: &Path,
    name: &OsString,
    buf: &mut [u8],
) -> Vec<Evidence> {
    let bytes = os_bytes(name);
    let mut said = Vec::new();
    if bytes.ends_with(b".so") || bytes.ends_with(b".pyd") {
        extension(&mut said, &bytes);
    } else if let Ok(mut file) = open_in(parent, &dir.join(name), "WHEEL") {
        if let Ok(n) = file.read(buf) {
            wheel_tags(&mut said, &String::from_utf8_lossy(&buf[..n]));
        }
    }
    said
}

#[derive(Default)]
struct Found {
    evidence: Vec<Evidence>,
    paths: usize,
    tags: usize,
    platforms: usize,
}

impl Found {
    fn add(&mut self, evidence: Evidence) {
        match evidence {
            Evidence::Path { .. } => self.paths += 1,
            Evidence::Tag { .. } => self.tags += 1,
            Evidence::Platform { .. } => self.platforms += 1,
        }
        self.evidence.push(evidence);
    }

    fn enough(&self) -> bool {
        (self.paths > 0 || self.tags >= ENOUGH) && self.platforms >= ENOUGH
    }
}

fn regex(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("a valid pattern"))
}

fn number(digits: &[u8]) -> Option<u64> {
    std::str::from_utf8(digits).ok()?.parse().ok()
}

fn python_version(
    caps: &regex::bytes::Captures<'_>,
    major: usize,
    minor: usize,
) -> Option<(u64, u64)> {
    Some((
        number(caps.get(major)?.as_bytes())?,
        number(caps.get(minor)?.as_bytes())?,
    ))
}

/// The Python a path names (`.../lib/python3.12/...`), the first it names.
fn path_python(absolute: &[u8]) -> Option<Evidence> {
    static PATH: OnceLock<Regex> = OnceLock::new();
    let re = regex(
        &PATH,
        r"(?-u)(?:^|/)lib(?:64)?/(python|pypy)([0-9]+)\.([0-9]+)t?(?:/|$)",
    );
    let caps = re.captures(absolute)?;
    let (major, minor) = python_version(&caps, 2, 3)?;
    Some(Evidence::Path {
        major,
        minor,
        pypy: &caps[1] == b"pypy",
    })
}

/// `name.cpython-312-x86_64-linux-gnu.so`, `name.cpython-313t-darwin.so`,
/// `name.cp312-win_amd64.pyd`: the tag, and the platform where the name has one.
fn extension(found: &mut Vec<Evidence>, name: &[u8]) {
    static EXTENSION: OnceLock<Regex> = OnceLock::new();
    let re = regex(
        &EXTENSION,
        r"(?-u)\.(?:cpython-([0-9])([0-9]+)t?(?:d)?-(?:([a-z0-9_]+)-([a-z]+)(?:-([a-z0-9]+))?|(darwin))\.so|cp([0-9])([0-9]+)-(win32|win_amd64|win_arm64)\.pyd)$",
    );
    let Some(caps) = re.captures(name) else {
        return;
    };
    if caps.get(1).is_some() {
        let Some((major, minor)) = python_version(&caps, 1, 2) else {
            return;
        };
        found.push(Evidence::Tag { major, minor });
        if caps.get(6).is_some() {
            return; // macOS: no machine in the name (universal builds)
        }
        let (machine, os_part) = (&caps[3], &caps[4]);
        let system = match os_part {
            b"linux" => "Linux",
            b"darwin" => "Darwin",
            _ => return,
        };
        found.push(Evidence::Platform {
            system: system.to_string(),
            machine: String::from_utf8_lossy(machine).into_owned(),
        });
    } else {
        let Some((major, minor)) = python_version(&caps, 7, 8) else {
            return;
        };
        found.push(Evidence::Tag { major, minor });
        let tag = String::from_utf8_lossy(&caps[9]);
        if let Some((system, machine)) = wheel_platform(&tag) {
            found.push(Evidence::Platform { system, machine });
        }
    }
}

/// The `Tag:` lines of a WHEEL file: each one's CPython tag and its first platform tag
/// that names a platform.
fn wheel_tags(found: &mut Vec<Evidence>, text: &str) {
    static INTERPRETER: OnceLock<Regex> = OnceLock::new();
    let interpreter_re = regex(&INTERPRETER, r"(?-u)^cp([0-9])([0-9]+)$");
    for line in python_lines(text) {
        let Some(head) = line.get(..4) else {
            continue;
        };
        if !head.eq_ignore_ascii_case("tag:") {
            continue;
        }
        let value = line[4..].trim_matches(is_python_space);
        let parts: Vec<&str> = value.split('-').collect();
        let [interpreter, _abi, platforms] = parts[..] else {
            continue;
        };
        if let Some(caps) = interpreter_re.captures(interpreter.as_bytes()) {
            if let Some((major, minor)) = python_version(&caps, 1, 2) {
                found.push(Evidence::Tag { major, minor });
            }
        }
        if let Some((system, machine)) = platforms.split('.').find_map(wheel_platform) {
            found.push(Evidence::Platform { system, machine });
        }
    }
}

/// `(system, machine)` of a wheel platform tag, or `None` for `any` and tags that name no
/// single platform (`macosx_11_0_universal2`).
pub fn wheel_platform(tag: &str) -> Option<(String, String)> {
    static LINUX: OnceLock<Regex> = OnceLock::new();
    static MACOS: OnceLock<Regex> = OnceLock::new();
    if tag == "any" {
        return None;
    }
    let linux = regex(
        &LINUX,
        r"^(?:(?:many|musl)linux_[0-9]+_[0-9]+_(.+)|manylinux[0-9]+_(.+)|linux_(.+))$",
    );
    if let Some(caps) = linux.captures(tag.as_bytes()) {
        let machine = (1..=3).find_map(|i| caps.get(i)).map(|m| m.as_bytes())?;
        return Some((
            "Linux".to_string(),
            String::from_utf8_lossy(machine).into_owned(),
        ));
    }
    let macos = regex(&MACOS, r"^macosx_[0-9]+_[0-9]+_(.+)$");
    if let Some(caps) = macos.captures(tag.as_bytes()) {
        let machine = String::from_utf8_lossy(&caps[1]).into_owned();
        return matches!(machine.as_str(), "x86_64" | "arm64")
            .then(|| ("Darwin".to_string(), machine));
    }
    let machine = match tag {
        "win_amd64" => "AMD64",
        "win32" => "x86",
        "win_arm64" => "ARM64",
        _ => return None,
    };
    Some(("Windows".to_string(), machine.to_string()))
}

/// Whitespace as Python's `str.isspace` sees it: Rust's, and the ASCII separators
/// U+001C to U+001F.
fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// The lines of `text` as Python's `str.splitlines()` gives them.
fn python_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let breaks = |c: char| {
            matches!(
                c,
                '\n' | '\r'
                    | '\u{0b}'
                    | '\u{0c}'
                    | '\u{1c}'
                    | '\u{1d}'
                    | '\u{1e}'
                    | '\u{85}'
                    | '\u{2028}'
                    | '\u{2029}'
            )
        };
        match rest.char_indices().find(|&(_, c)| breaks(c)) {
            None => {
                let line = rest;
                rest = "";
                Some(line)
            }
            Some((i, c)) => {
                let line = &rest[..i];
                let mut end = i + c.len_utf8();
                if c == '\r' && rest[end..].starts_with('\n') {
                    end += 1;
                }
                rest = &rest[end..];
                Some(line)
            }
        }
    })
}

/// The order of Python's `sorted()` of the names `os.listdir` gives: by code point, a
/// byte that is not UTF-8 standing for the code point U+DC80..U+DCFF that Python's
/// `surrogateescape` decodes it to. Valid UTF-8 compares the same by bytes.
fn python_order(a: &[u8], b: &[u8]) -> Ordering {
    match (std::str::from_utf8(a), std::str::from_utf8(b)) {
        (Ok(_), Ok(_)) => a.cmp(b),
        _ => code_points(a).cmp(code_points(b)),
    }
}

fn code_points(bytes: &[u8]) -> impl Iterator<Item = u32> + '_ {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        let first = *rest.first()?;
        let valid = match std::str::from_utf8(rest) {
            Ok(text) => text,
            Err(e) => std::str::from_utf8(&rest[..e.valid_up_to()]).unwrap_or_default(),
        };
        match valid.chars().next() {
            Some(c) => {
                rest = &rest[c.len_utf8()..];
                Some(c as u32)
            }
            None => {
                rest = &rest[1..];
                Some(0xDC00 + u32::from(first))
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn wheel(dir: &Path, name: &str, tag: &str) {
        write(
            &dir.join(format!("{name}-1.0.dist-info")).join("WHEEL"),
            &format!("Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: {tag}\n"),
        );
    }

    fn tag(major: u64, minor: u64) -> Evidence {
        Evidence::Tag { major, minor }
    }

    fn platform(system: &str, machine: &str) -> Evidence {
        Evidence::Platform {
            system: system.into(),
            machine: machine.into(),
        }
    }

    fn evidence(dir: &Path) -> Vec<Evidence> {
        tree_evidence(&[dir], &[dir])
    }

    #[test]
    fn the_path_names_the_python() {
        let ev = tree_evidence::<&Path, &str>(&[], &["/opt/img/usr/lib/python3.12/site-packages"]);
        assert_eq!(
            ev,
            vec![Evidence::Path {
                major: 3,
                minor: 12,
                pypy: false
            }]
        );
        let ev = tree_evidence::<&Path, &str>(&[], &["/x/lib64/pypy3.10/site-packages"]);
        assert_eq!(
            ev,
            vec![Evidence::Path {
                major: 3,
                minor: 10,
                pypy: true
            }]
        );
        let ev = tree_evidence::<&Path, &str>(
            &[],
            &["/x/mylib/python3.12/site-packages", "/lib/python3.13t"],
        );
        assert_eq!(
            ev,
            vec![Evidence::Path {
                major: 3,
                minor: 13,
                pypy: false
            }]
        );
    }

    #[test]
    fn compiled_modules_and_wheel_tags_in_sorted_order() {
        let dir = tempfile::tempdir().unwrap();
        write(
            &dir.path()
                .join("_cffi_backend.cpython-311-x86_64-linux-gnu.so"),
            "ELF",
        );
        write(&dir.path().join("mac.cpython-313t-darwin.so"), "");
        write(&dir.path().join("win.cp310-win_amd64.pyd"), "");
        write(&dir.path().join("plain.so"), "");
        wheel(
            dir.path(),
            "numpy",
            "cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64",
        );
        wheel(dir.path(), "pure", "py3-none-any");
        wheel(dir.path(), "uni", "cp39-abi3-macosx_10_9_universal2");
        assert_eq!(
            evidence(dir.path()),
            vec![
                tag(3, 11),
                platform("Linux", "x86_64"),
                tag(3, 13),
                tag(3, 12),
                platform("Linux", "aarch64"),
                tag(3, 9),
                tag(3, 10),
                platform("Windows", "AMD64"),
            ]
        );
    }

    #[test]
    fn stops_once_the_evidence_is_plain() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["a", "b", "c", "d"] {
            wheel(dir.path(), name, "cp312-cp312-linux_x86_64");
        }
        // Three tags and three platforms settle it: the fourth wheel is not read.
        assert_eq!(evidence(dir.path()).len(), 6);
        // With the Python known from the path, so do three platforms alone.
        let site = dir.path().join("lib/python3.11/site-packages");
        for name in ["a", "b", "c", "d"] {
            wheel(&site, name, "py3-none-manylinux1_x86_64");
        }
        assert_eq!(
            evidence(&site),
            vec![
                Evidence::Path {
                    major: 3,
                    minor: 11,
                    pypy: false
                },
                platform("Linux", "x86_64"),
                platform("Linux", "x86_64"),
                platform("Linux", "x86_64"),
            ]
        );
    }

    #[test]
    fn unreadable_entries_and_files_add_nothing() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("nowheel-1.0.dist-info")).unwrap();
        fs::create_dir_all(dir.path().join("dirwheel-1.0.dist-info/WHEEL")).unwrap();
        write(
            &dir.path().join("file-1.0.dist-info"),
            "Tag: cp312-cp312-linux_x86_64\n",
        );
        write(
            &dir.path().join("UPPER-1.0.DIST-INFO/WHEEL"),
            "Tag: cp312-cp312-linux_x86_64\n",
        );
        assert_eq!(evidence(dir.path()), vec![]);
        assert_eq!(evidence(&dir.path().join("missing")), vec![]);
    }

    #[test]
    fn wheel_lines_as_python_reads_them() {
        let mut found = Vec::new();
        wheel_tags(
            &mut found,
            "tag: cp38-cp38-win32\r\nTAG:\tcp39-none-any \u{1c}Tag: cp310-cp310-linux_armv7l\u{2028}Tag: a-b\nTag: x-y-z-w",
        );
        assert_eq!(
            found,
            vec![
                tag(3, 8),
                platform("Windows", "x86"),
                tag(3, 9),
                tag(3, 10),
                platform("Linux", "armv7l")
            ]
        );
    }

    #[test]
    fn wheel_platform_tags() {
        let p = |s: &str, m: &str| Some((s.to_string(), m.to_string()));
        assert_eq!(
            wheel_platform("manylinux_2_17_x86_64"),
            p("Linux", "x86_64")
        );
        assert_eq!(
            wheel_platform("musllinux_1_2_aarch64"),
            p("Linux", "aarch64")
        );
        assert_eq!(
            wheel_platform("manylinux2014_ppc64le"),
            p("Linux", "ppc64le")
        );
        assert_eq!(wheel_platform("linux_x86_64"), p("Linux", "x86_64"));
        assert_eq!(wheel_platform("macosx_11_0_arm64"), p("Darwin", "arm64"));
        assert_eq!(wheel_platform("macosx_10_9_universal2"), None);
        assert_eq!(wheel_platform("win_arm64"), p("Windows", "ARM64"));
        assert_eq!(wheel_platform("any"), None);
        assert_eq!(wheel_platform("solaris"), None);
    }

    #[test]
    fn sorted_as_python_sorts_names() {
        let mut names: Vec<&[u8]> =
            vec![b"b", b"\xff", "é".as_bytes(), b"a", "\u{e000}".as_bytes()];
        names.sort_by(|a, b| python_order(a, b));
        // U+00E9 < U+DCFF (the undecodable byte) < U+E000.
        assert_eq!(
            names,
            vec![
                b"a" as &[u8],
                b"b",
                "é".as_bytes(),
                b"\xff",
                "\u{e000}".as_bytes()
            ]
        );
    }
}
