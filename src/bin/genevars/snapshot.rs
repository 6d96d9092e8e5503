//! `genevars snapshot --python EXE [-o FILE] [-q]` from a saved description of EXE.
//!
//! The text written is genevars-python's for the same command, byte for byte: the same
//! saved description ([`DescriptionCache`]), the same scan and the same rest of the
//! snapshot ([`described_parts`]), written by the same writer. Whatever this side declines
//! (see [`Request::parse`] and [`answer`]) genevars-python does, so that errors, and their
//! messages, are always its own.

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use genevars::input;
use genevars::snapshot::described::DescriptionCache;
use genevars::snapshot::parts::described_parts;
use genevars::snapshot::posix::Surroundings;
use genevars::snapshot::scan::{self, ScanResult};
use genevars::snapshot::write::{write_snapshot_json, WriteError};

/// What a shell reports for a tool killed by SIGPIPE, as genevars-python exits when whoever
/// reads its standard output stops reading.
const EXIT_BROKEN_PIPE: u8 = 141;
/// A usage, input or output error: one line on stderr.
const EXIT_INPUT: u8 = 2;

/// A snapshot of another interpreter this side may answer.
#[derive(Debug, PartialEq, Eq)]
pub struct Request {
    python: String,
    output: Option<String>,
    quiet: bool,
}

impl Request {
    /// The request when `args` are `snapshot` with `--python EXE` and nothing besides
    /// `-o`/`--output FILE` and `-q`/`--quiet`, each at most once and spelled out (argparse
    /// also takes abbreviations, joined short flags and repeated flags: genevars-python
    /// reads those). Arguments that are not UTF-8 or values that start with `-` are left
    /// to it too.
    pub fn parse(args: &[OsString]) -> Option<Request> {
        let mut args = args.iter().map(|a| a.to_str());
        if args.next()? != Some("snapshot") {
            return None;
        }
        let (mut python, mut output, mut quiet) = (None, None, false);
        while let Some(arg) = args.next() {
            let arg = arg?;
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) if flag.starts_with("--") => (flag, Some(value)),
                _ => (arg, None),
            };
            let slot = match flag {
                "--python" => &mut python,
                "-o" | "--output" => &mut output,
                "-q" | "--quiet" if inline.is_none() && !quiet => {
                    quiet = true;
                    continue;
                }
                _ => return None,
            };
            let value = match inline {
                Some(value) => value,
                None => args.next()??,
            };
            if slot.is_some() || value.starts_with('-') {
                return None;
            }
            *slot = Some(value.to_string());
        }
        Some(Request { python: python?, output, quiet })
    }
}

/// Answers `request` and gives the exit status, or `None` when genevars-python must: no
/// saved description of the interpreter, a rest of the snapshot this side does not make
/// (see [`described_parts`]), an output that cannot be opened or written.
pub fn answer(request: &Request) -> Option<ExitCode> {
    let around = Surroundings::of_process();
    let described = DescriptionCache::for_interpreter(&request.python, &around)?.load()?;
    if request.output.is_none() && !stdout_is_open() {
        return None;
    }
    let paths = described.sys_path();
    // The scan runs while the rest of the snapshot is made, as genevars-python's does.
    let (scan, parts) = std::thread::scope(|scope| {
        let scanning = scope.spawn(|| scan::scan_paths(paths));
        let parts = described_parts(&described, &around);
        (scanning.join(), parts)
    });
    let (scan, parts) = (scan.ok()?, parts.ok()?);
    // The process ends once this returns: freeing thousands of packages one by one
    // would cost milliseconds for nothing.
    let scan = std::mem::ManuallyDrop::new(scan);
    match &request.output {
        Some(file) => {
            write_file(Path::new(file), &parts, &scan).ok()?;
            if !request.quiet {
                let unreadable = match scan.unreadable.len() {
                    0 => String::new(),
                    n => format!(", {n} unreadable (see \"unreadable\" in the file)"),
                };
                let line = format!("wrote {file}: {} packages{unreadable}\n", scan.packages.len());
                return Some(write_stdout(line.as_bytes()));
            }
            Some(ExitCode::SUCCESS)
        }
        None => Some(write_snapshot_to_stdout(&parts, &scan)),
    }
}

/// Writes the snapshot and a newline to `file` (created or truncated, as Python's
/// `open(file, "wb")`). On an error genevars-python writes it again, and reports its error.
fn write_file(file: &Path, parts: &str, scan: &ScanResult) -> io::Result<()> {
    let opened = std::fs::File::create(file)?;
    write_snapshot(io::BufWriter::with_capacity(1 << 16, opened), parts, scan)
}

/// The snapshot and a newline on standard output; the exit status genevars-python gives
/// when that fails (nothing printed for a reader that went away).
fn write_snapshot_to_stdout(parts: &str, scan: &ScanResult) -> ExitCode {
    let out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
    output_status(write_snapshot(out, parts, scan))
}

/// The snapshot text, indented by 2 as genevars-python writes it, then a newline.
fn write_snapshot(mut out: impl Write, parts: &str, scan: &ScanResult) -> io::Result<()> {
    write_snapshot_json(parts, scan, Some(2), &mut out).map_err(|e| match e {
        WriteError::Serialize(e) if e.is_io() => io::Error::from(e),
        other => io::Error::other(other.to_string()),
    })?;
    out.write_all(b"\n")?;
    out.flush()
}

fn write_stdout(bytes: &[u8]) -> ExitCode {
    let mut stdout = io::stdout().lock();
    output_status(stdout.write_all(bytes).and_then(|()| stdout.flush()))
}

fn output_status(written: io::Result<()>) -> ExitCode {
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(EXIT_BROKEN_PIPE),
        Err(e) => {
            eprintln!("genevars: cannot write the output: {}", input::strerror(&e));
            ExitCode::from(EXIT_INPUT)
        }
    }
}

/// Whether descriptor 1 is open: genevars-python says so in its own words when it is not.
fn stdout_is_open() -> bool {
    #[cfg(unix)]
    {
        // SAFETY: F_GETFD reads the descriptor's flags and changes nothing.
        unsafe { libc::fcntl(1, libc::F_GETFD) != -1 }
    }
    #[cfg(not(unix))]
    {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Option<Request> {
        Request::parse(&args.iter().map(OsString::from).collect::<Vec<_>>())
    }

    fn request(python: &str, output: Option<&str>, quiet: bool) -> Option<Request> {
        Some(Request { python: python.into(), output: output.map(Into::into), quiet })
    }

    #[test]
    fn the_spelled_out_flags_are_answered_here() {
        assert_eq!(parse(&["snapshot", "--python", "/v/bin/python"]), request("/v/bin/python", None, false));
        assert_eq!(
            parse(&["snapshot", "-q", "--python=/v/bin/python", "-o", "out.json"]),
            request("/v/bin/python", Some("out.json"), true)
        );
        assert_eq!(
            parse(&["snapshot", "--output=o.json", "--quiet", "--python", "p"]),
            request("p", Some("o.json"), true)
        );
    }

    #[test]
    fn anything_else_is_left_to_python() {
        for args in [
            &["snapshot"][..],
            &["snapshot", "-o", "x.json"],
            &["diff", "--python", "p"],
            &["--version"],
            &["snapshot", "--python"],
            &["snapshot", "--python", "-q"],
            &["snapshot", "--python", "a", "--python", "b"],
            &["snapshot", "--python", "p", "-o", "a", "--output", "b"],
            &["snapshot", "--python", "p", "-q", "-q"],
            &["snapshot", "--python", "p", "-v"],
            &["snapshot", "--python", "p", "--reveal-values"],
            &["snapshot", "--python", "p", "--path", "/x"],
            &["snapshot", "--pyth", "p"],
            &["snapshot", "--python", "p", "-qo", "x"],
            &["snapshot", "--python", "p", "-ox"],
            &["snapshot", "--python", "p", "--quiet=yes"],
            &["snapshot", "--python", "p", "--"],
            &["snapshot", "--python", "p", "extra"],
        ] {
            assert_eq!(parse(args), None, "{args:?}");
        }
    }
}
