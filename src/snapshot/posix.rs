//! What a snapshot reads of its surroundings (environment, current directory, home,
//! `uname`, file states), with the exact semantics of the Python functions the stdlib
//! probe uses for them (`posixpath.abspath`, `normpath`, `dirname`, `join`,
//! `expanduser`, `os.uname()`, `os.stat`), so that a snapshot made natively and one made
//! by Python agree byte for byte. Text only: whatever is not UTF-8 is `None` here, and
//! the callers then leave the work to Python (which would write it differently).

use std::ffi::OsString;
use std::path::PathBuf;

/// The process's environment and current directory, and the root `/proc` and `PATH` are
/// read under (tests give their own).
#[derive(Debug, Clone)]
pub struct Surroundings {
    /// The variables in the process's order; a name given twice keeps its first value
    /// (as `os.environ` does).
    pub vars: Vec<(OsString, OsString)>,
    /// `None` when the current directory cannot be read.
    pub cwd: Option<PathBuf>,
    /// `/`, or a fake tree's root (`accelerator_facts(root)`).
    pub root: PathBuf,
}

impl Surroundings {
    /// This process's.
    pub fn of_process() -> Surroundings {
        Surroundings {
            vars: std::env::vars_os().collect(),
            cwd: std::env::current_dir().ok(),
            root: PathBuf::from("/"),
        }
    }

    /// Text variables, a current directory and a root (tests).
    #[cfg(test)]
    pub(crate) fn given(vars: &[(&str, &str)], cwd: &str, root: &str) -> Surroundings {
        Surroundings {
            vars: vars
                .iter()
                .map(|(n, v)| (OsString::from(n), OsString::from(v)))
                .collect(),
            cwd: Some(PathBuf::from(cwd)),
            root: PathBuf::from(root),
        }
    }

    /// The environment as text, first value of each name kept; `None` when a name or
    /// value is not UTF-8 or a name holds `=` (Python reads those differently).
    pub fn text_vars(&self) -> Option<Vec<(String, String)>> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::with_capacity(self.vars.len());
        for (name, value) in &self.vars {
            let (name, value) = (name.to_str()?, value.to_str()?);
            if name.contains('=') {
                return None;
            }
            if seen.insert(name) {
                out.push((name.to_string(), value.to_string()));
            }
        }
        Some(out)
    }

    /// The value of `name` as bytes (first occurrence), as `os.environ.get` finds it.
    pub fn var_os(&self, name: &str) -> Option<&OsString> {
        self.vars
            .iter()
            .find(|(n, _)| n.as_os_str() == name)
            .map(|(_, v)| v)
    }
}

/// `posixpath.normpath`.
pub fn normpath(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let initial = if path.starts_with("//") && !path.starts_with("///") {
        2
    } else if path.starts_with('/') {
        1
    } else {
        0
    };
    let mut comps: Vec<&str> = Vec::new();
    for comp in path.split('/') {
        if comp.is_empty() || comp == "." {
            continue;
        }
        if comp != ".." || (initial == 0 && comps.is_empty()) || comps.last() == Some(&"..") {
            comps.push(comp);
        } else {
            comps.pop();
        }
    }
    let joined = format!("{}{}", "/".repeat(initial), comps.join("/"));
    if joined.is_empty() {
        ".".into()
    } else {
        joined
    }
}

/// `posixpath.abspath`, relative to `cwd` (`None` for a relative path when the current
/// directory cannot be read: Python raises then).
pub fn abspath(path: &str, cwd: Option<&str>) -> Option<String> {
    if path.starts_with('/') {
        Some(normpath(path))
    } else {
        Some(normpath(&join(cwd?, &[path])))
    }
}

/// `posixpath.dirname`.
pub fn dirname(path: &str) -> &str {
    let i = path.rfind('/').map_or(0, |i| i + 1);
    let head = &path[..i];
    if !head.is_empty() && head.bytes().any(|b| b != b'/') {
        head.trim_end_matches('/')
    } else {
        head
    }
}

/// `posixpath.join`.
pub fn join(first: &str, rest: &[&str]) -> String {
    let mut path = first.to_string();
    for part in rest {
        if part.starts_with('/') {
            path = part.to_string();
        } else if path.is_empty() || path.ends_with('/') {
            path.push_str(part);
        } else {
            path.push('/');
            path.push_str(part);
        }
    }
    path
}

/// `posixpath.expanduser` with `home`, the `HOME` variable's value (without it: the
/// password database); `None` when the home found is not UTF-8.
pub fn expanduser(path: &str, home: Option<&str>) -> Option<String> {
    if !path.starts_with('~') {
        return Some(path.to_string());
    }
    let i = path[1..].find('/').map_or(path.len(), |i| i + 1);
    let home = if i == 1 {
        match home {
            Some(home) => home.to_string(),
            None => match user_home(None) {
                Home::Found(home) => home,
                Home::Unknown => return Some(path.to_string()),
                Home::NotUtf8 => return None,
            },
        }
    } else {
        match user_home(Some(&path[1..i])) {
            Home::Found(home) => home,
            Home::Unknown => return Some(path.to_string()),
            Home::NotUtf8 => return None,
        }
    };
    let joined = format!("{}{}", home.trim_end_matches('/'), &path[i..]);
    Some(if joined.is_empty() {
        "/".into()
    } else {
        joined
    })
}

enum Home {
    Found(String),
    Unknown,
    NotUtf8,
}

/// The home directory of `user` (this process's real user when `None`) in the password
/// database, as `pwd.getpwuid(os.getuid())` / `pwd.getpwnam(user)` give it.
#[cfg(unix)]
fn user_home(user: Option<&str>) -> Home {
    let name = match user.map(std::ffi::CString::new) {
        Some(Ok(name)) => Some(name),
        // Python raises ValueError for a NUL in the name: no answer to copy.
        Some(Err(_)) => return Home::NotUtf8,
        None => None,
    };
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        // SAFETY: an all-zero passwd is valid (null pointers); the buffer outlives the
        // call and the fields read from it.
        let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        let status = unsafe {
            match &name {
                Some(name) => libc::getpwnam_r(
                    name.as_ptr(),
                    &mut entry,
                    buffer.as_mut_ptr().cast(),
                    buffer.len(),
                    &mut found,
                ),
                None => libc::getpwuid_r(
                    libc::getuid(),
                    &mut entry,
                    buffer.as_mut_ptr().cast(),
                    buffer.len(),
                    &mut found,
                ),
            }
        };
        if status == libc::ERANGE && buffer.len() < 1 << 20 {
            buffer.resize(buffer.len() * 4, 0);
            continue;
        }
        if status != 0 || found.is_null() || entry.pw_dir.is_null() {
            return Home::Unknown;
        }
        // SAFETY: pw_dir points into `buffer`, NUL-terminated.
        let dir = unsafe { std::ffi::CStr::from_ptr(entry.pw_dir) };
        return match dir.to_str() {
            Ok(dir) => Home::Found(dir.to_string()),
            Err(_) => Home::NotUtf8,
        };
    }
}

#[cfg(not(unix))]
fn user_home(_user: Option<&str>) -> Home {
    Home::Unknown
}

/// `list(os.uname())`: sysname, nodename, release, version, machine; `None` when one is
/// not UTF-8.
#[cfg(unix)]
pub fn uname() -> Option<[String; 5]> {
    // SAFETY: uname fills the zeroed struct with NUL-terminated fields.
    let mut names: libc::utsname = unsafe { std::mem::zeroed() };
    if unsafe { libc::uname(&mut names) } != 0 {
        return None;
    }
    let field = |f: &[libc::c_char]| -> Option<String> {
        let bytes: Vec<u8> = f
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        String::from_utf8(bytes).ok()
    };
    Some([
        field(&names.sysname)?,
        field(&names.nodename)?,
        field(&names.release)?,
        field(&names.version)?,
        field(&names.machine)?,
    ])
}

/// What changes when `path` is written, replaced, created or removed: `[mtime_ns,
/// ctime_ns, size, inode, device]` of `os.stat` (`follow`) or `os.lstat`, `None` when it
/// cannot be read (`_interpreter._state`).
#[cfg(unix)]
pub fn state(path: &str, follow: bool) -> Option<[i128; 5]> {
    use std::os::unix::fs::MetadataExt;

    let meta = if follow {
        std::fs::metadata(path)
    } else {
        std::fs::symlink_metadata(path)
    }
    .ok()?;
    let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
    Some([
        ns(meta.mtime(), meta.mtime_nsec()),
        ns(meta.ctime(), meta.ctime_nsec()),
        i128::from(meta.size()),
        i128::from(meta.ino()),
        i128::from(meta.dev()),
    ])
}

/// `os.access(path, mode)`: the real user's permission.
#[cfg(unix)]
pub fn access(path: &str, mode: libc::c_int) -> bool {
    match std::ffi::CString::new(path) {
        // SAFETY: a NUL-terminated path.
        Ok(c) => unsafe { libc::access(c.as_ptr(), mode) == 0 },
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_made_as_posixpath_makes_them() {
        // Expected values from CPython 3.11's posixpath.
        for (path, normal) in [
            ("", "."),
            ("/", "/"),
            ("//", "//"),
            ("///", "/"),
            ("//a/./b/../c/", "//a/c"),
            ("a/../../b", "../b"),
            ("/../a", "/a"),
            ("./", "."),
            ("a//b/", "a/b"),
        ] {
            assert_eq!(normpath(path), normal, "{path:?}");
        }
        assert_eq!(
            abspath("bin/python", Some("/venv/x/..")).unwrap(),
            "/venv/bin/python"
        );
        assert_eq!(abspath("/a/./b", None).unwrap(), "/a/b");
        assert_eq!(abspath("b", None), None);
        for (path, dir) in [
            ("/a/b", "/a"),
            ("/a", "/"),
            ("a", ""),
            ("//a", "//"),
            ("/a//b", "/a"),
            ("a/b/", "a/b"),
        ] {
            assert_eq!(dirname(path), dir, "{path:?}");
        }
        assert_eq!(join("/", &["", "nvidia-smi"]), "/nvidia-smi");
        assert_eq!(join("/r", &["usr/bin", "x"]), "/r/usr/bin/x");
        assert_eq!(join("/r/", &["/abs", "x"]), "/abs/x");
        assert_eq!(join("", &["a"]), "a");
    }

    #[test]
    fn a_tilde_is_the_home_of_the_environment() {
        let env = |home: &'static str| Some(home);
        assert_eq!(
            expanduser("~/.netrc", env("/home/u/")).unwrap(),
            "/home/u/.netrc"
        );
        assert_eq!(expanduser("~", env("/")).unwrap(), "/");
        assert_eq!(expanduser("~", env("")).unwrap(), "/");
        assert_eq!(expanduser("x~", env("/h")).unwrap(), "x~");
        assert_eq!(
            expanduser("~no-such-user-here/x", env("/h")).unwrap(),
            "~no-such-user-here/x"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_state_changes_with_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        let file = file.to_str().unwrap();
        assert_eq!(state(file, true), None);
        std::fs::write(file, "a").unwrap();
        let first = state(file, true).unwrap();
        assert_eq!(first[2], 1);
        std::fs::write(file, "ab").unwrap();
        assert_ne!(state(file, true).unwrap(), first);
        let link = dir.path().join("l");
        std::os::unix::fs::symlink(file, &link).unwrap();
        let link = link.to_str().unwrap();
        assert_eq!(state(link, true), state(file, true));
        assert_ne!(state(link, false), state(file, true));
    }
}
