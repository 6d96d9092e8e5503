//! Reading a file a user names (a snapshot, a manifest, a rules file, a requirements
//! file, `--runtime-env @FILE`): the one reader the CLI and the Python API share.
//!
//! Whatever the path is, the read ends in bounded time and memory with one line that
//! names the file: a FIFO, a device (`/dev/zero`) or a directory is refused without
//! blocking (the file is opened with `O_NONBLOCK` and judged by `fstat` on what was
//! opened), at most the kind's limit is read, a symlink loop is called one, and a file
//! that is not UTF-8 text is called binary. A UTF-8 byte-order mark is accepted.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

use thiserror::Error;

/// Opens a file for reading. Non-blocking, so a FIFO posing as a file reads as empty
/// instead of hanging the reader (or a scan); a regular file reads as usual.
pub(crate) fn open_for_reading(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

const MB: u64 = 1024 * 1024;

/// What a file is read as: it decides the size limit and how errors name the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// Snapshot JSON (`genevars snapshot -o`): a 5,000-package environment is ~10 MB;
    /// snapshots of 500 MB load.
    Snapshot,
    /// A saved manifest (JSON).
    Manifest,
    /// A rules TOML file.
    Rules,
    /// A pip requirements file (also `--manifest @FILE` pins).
    Requirements,
    /// A conda environment YAML file.
    Conda,
    /// `--runtime-env @FILE`: a runtime_env as JSON.
    RuntimeEnv,
}

impl InputKind {
    /// The most bytes read; a larger file is refused.
    pub const fn limit(self) -> u64 {
        match self {
            InputKind::Snapshot => 1024 * MB,
            InputKind::RuntimeEnv => 32 * MB,
            // A manifest's JSON is refused above 16 MiB when parsed, too.
            InputKind::Manifest | InputKind::Rules | InputKind::Requirements | InputKind::Conda => {
                16 * MB
            }
        }
    }

    /// How messages name the file.
    pub const fn noun(self) -> &'static str {
        match self {
            InputKind::Snapshot => "snapshot file",
            InputKind::Manifest => "manifest file",
            InputKind::Rules => "rules file",
            InputKind::Requirements => "requirements file",
            InputKind::Conda => "conda environment file",
            InputKind::RuntimeEnv => "runtime_env file",
        }
    }

    /// The kind a Python caller names (`"snapshot"`, `"runtime_env"`, ...).
    pub fn from_name(name: &str) -> Option<InputKind> {
        Some(match name {
            "snapshot" => InputKind::Snapshot,
            "manifest" => InputKind::Manifest,
            "rules" => InputKind::Rules,
            "requirements" => InputKind::Requirements,
            "conda" => InputKind::Conda,
            "runtime_env" => InputKind::RuntimeEnv,
            _ => return None,
        })
    }
}

/// What a path that is not a regular file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAFile {
    Directory,
    Fifo,
    CharDevice,
    BlockDevice,
    Socket,
    Other,
}

impl fmt::Display for NotAFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NotAFile::Directory => "a directory",
            NotAFile::Fifo => "a FIFO (named pipe)",
            NotAFile::CharDevice => "a character device",
            NotAFile::BlockDevice => "a block device",
            NotAFile::Socket => "a socket",
            NotAFile::Other => "not a regular file",
        })
    }
}

/// Why a file could not be read, with its path: `"{path}: {problem}"`.
#[derive(Debug, Error)]
#[error("{path}: {problem}")]
pub struct InputError {
    pub path: String,
    pub problem: InputProblem,
}

/// What was wrong with the file; each message names the kind it was read as.
#[derive(Debug, Error)]
pub enum InputProblem {
    #[error("no such file; give the path of a {}", kind.noun())]
    NotFound { kind: InputKind },
    #[error("a symlink loop (too many levels of symbolic links); cannot read the {}", kind.noun())]
    SymlinkLoop { kind: InputKind },
    #[error("is {what}, not a {}", kind.noun())]
    NotAFile { kind: InputKind, what: NotAFile },
    #[error("{} of {} MB or more is over the limit of {} MB", kind.noun(), size.div_ceil(MB), kind.limit() / MB)]
    TooLarge { kind: InputKind, size: u64 },
    #[error("binary, not UTF-8 text (byte {offset}); is this a {}?", kind.noun())]
    Binary { kind: InputKind, offset: usize },
    #[error("not UTF-8 text but UTF-16 (it starts with a UTF-16 byte-order mark); save the {} as UTF-8", kind.noun())]
    Utf16 { kind: InputKind },
    #[error("cannot read the {}: {reason}", kind.noun())]
    Io { kind: InputKind, reason: String },
}

impl InputProblem {
    /// What the file was read as.
    pub fn kind(&self) -> InputKind {
        match self {
            InputProblem::NotFound { kind }
            | InputProblem::SymlinkLoop { kind }
            | InputProblem::NotAFile { kind, .. }
            | InputProblem::TooLarge { kind, .. }
            | InputProblem::Binary { kind, .. }
            | InputProblem::Utf16 { kind }
            | InputProblem::Io { kind, .. } => *kind,
        }
    }
}

fn not_a_file(file_type: std::fs::FileType) -> NotAFile {
    if file_type.is_dir() {
        return NotAFile::Directory;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return NotAFile::Fifo;
        }
        if file_type.is_char_device() {
            return NotAFile::CharDevice;
        }
        if file_type.is_block_device() {
            return NotAFile::BlockDevice;
        }
        if file_type.is_socket() {
            return NotAFile::Socket;
        }
    }
    NotAFile::Other
}

fn is_symlink_loop(e: &io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

/// The bytes of a regular file, at most `kind.limit()` of them.
/// An I/O error's message as Python's `strerror` has it: "Permission denied", without
/// Rust's " (os error 13)" (the number says nothing to a user).
pub fn strerror(e: &io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

pub fn read_bytes(path: &Path, kind: InputKind) -> Result<Vec<u8>, InputError> {
    let fail = |problem| InputError {
        path: path.display().to_string(),
        problem,
    };
    let io_error = |e: io::Error| {
        fail(if is_symlink_loop(&e) {
            InputProblem::SymlinkLoop { kind }
        } else if e.kind() == io::ErrorKind::NotFound {
            InputProblem::NotFound { kind }
        } else {
            InputProblem::Io { kind, reason: strerror(&e) }
        })
    };
    // Non-blocking: a FIFO opened without it waits for a writer before fstat can say
    // what it is.
    let file = open_for_reading(path).map_err(io_error)?;
    let meta = file.metadata().map_err(io_error)?;
    if !meta.file_type().is_file() {
        return Err(fail(InputProblem::NotAFile {
            kind,
            what: not_a_file(meta.file_type()),
        }));
    }
    let limit = kind.limit();
    if meta.len() > limit {
        return Err(fail(InputProblem::TooLarge {
            kind,
            size: meta.len(),
        }));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // One byte past the limit tells a file that grew since fstat from one that did not.
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() as u64 > limit {
        return Err(fail(InputProblem::TooLarge {
            kind,
            size: bytes.len() as u64,
        }));
    }
    Ok(bytes)
}

/// UTF-8 text from bytes read as `kind`; a UTF-8 byte-order mark is dropped.
pub fn decode(path: &Path, kind: InputKind, mut bytes: Vec<u8>) -> Result<String, InputError> {
    let fail = |problem| InputError {
        path: path.display().to_string(),
        problem,
    };
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    } else if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(fail(InputProblem::Utf16 { kind }));
    }
    String::from_utf8(bytes).map_err(|e| {
        fail(InputProblem::Binary {
            kind,
            offset: e.utf8_error().valid_up_to(),
        })
    })
}

/// The UTF-8 text of a regular file read as `kind` (see the module).
pub fn read_text(path: &Path, kind: InputKind) -> Result<String, InputError> {
    let bytes = read_bytes(path, kind)?;
    decode(path, kind, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::File;

    fn text_of(path: &Path) -> String {
        match read_text(path, InputKind::Snapshot) {
            Ok(t) => t,
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn reads_text_and_drops_a_utf8_bom() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.json");
        std::fs::write(&p, b"\xEF\xBB\xBF{}").unwrap();
        assert_eq!(text_of(&p), "{}");
    }

    #[test]
    fn refuses_what_is_not_a_regular_file_or_text_with_a_line_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let name = |p: &Path| p.display().to_string();
        assert_eq!(
            text_of(d),
            format!("error: {}: is a directory, not a snapshot file", name(d))
        );
        let missing = d.join("missing.json");
        assert!(text_of(&missing)
            .ends_with("missing.json: no such file; give the path of a snapshot file"));
        let binary = d.join("b.json");
        std::fs::write(&binary, b"{\"a\": \xff}").unwrap();
        assert!(text_of(&binary)
            .ends_with("b.json: binary, not UTF-8 text (byte 6); is this a snapshot file?"));
        let utf16 = d.join("u.json");
        std::fs::write(&utf16, b"\xFF\xFE{\x00}\x00").unwrap();
        assert!(text_of(&utf16).contains("u.json: not UTF-8 text but UTF-16"));
        #[cfg(unix)]
        {
            let a = d.join("a");
            let b = d.join("b");
            std::os::unix::fs::symlink(&b, &a).unwrap();
            std::os::unix::fs::symlink(&a, &b).unwrap();
            assert_eq!(
                text_of(&a),
                format!("error: {}: a symlink loop (too many levels of symbolic links); cannot read the snapshot file", name(&a))
            );
            let fifo = d.join("fifo");
            let c = std::ffi::CString::new(name(&fifo)).unwrap();
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
            // Returns at once: no writer is waited for.
            assert!(text_of(&fifo).ends_with("fifo: is a FIFO (named pipe), not a snapshot file"));
            assert_eq!(
                text_of(Path::new("/dev/zero")),
                "error: /dev/zero: is a character device, not a snapshot file"
            );
        }
    }

    #[test]
    fn a_file_over_the_limit_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.toml");
        let f = File::create(&p).unwrap();
        f.set_len(InputKind::Rules.limit() + 1).unwrap();
        let e = read_bytes(&p, InputKind::Rules).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("big.toml: rules file of 17 MB or more is over the limit of 16 MB"),
            "{e}"
        );
    }
}
