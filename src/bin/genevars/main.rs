//! The `genevars` command, as installed by the wheel.
//!
//! `genevars snapshot --python EXE [-o FILE] [-q]` is answered here, natively, when EXE's
//! description is in the cache that genevars in Python keeps (`DescriptionCache`): then no
//! Python starts at all, which is most of what such a snapshot costs. Every other command,
//! and every case this side cannot answer exactly as genevars in Python would (a flag it
//! does not know, no saved description, an environment that is not UTF-8, a write that
//! fails), is handed to `genevars-python`, installed beside this executable with the
//! interpreter the wheel was installed for.

mod locale;
mod snapshot;

use std::ffi::OsString;
use std::process::ExitCode;

fn main() -> ExitCode {
    let as_python = locale::coerce_as_python_does();
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    if !as_python {
        return run_python(&args);
    }
    if let Some(request) = snapshot::Request::parse(&args) {
        if let Some(status) = snapshot::answer(&request) {
            return status;
        }
    }
    run_python(&args)
}

/// Runs `genevars-python ARGS` in place of this process (its exit status and signals are
/// then the command's).
fn run_python(args: &[OsString]) -> ExitCode {
    let script = match std::env::current_exe() {
        Ok(exe) => exe.with_file_name("genevars-python"),
        Err(e) => return fail(&format!("cannot find where this genevars is installed: {e}")),
    };
    let mut command = std::process::Command::new(&script);
    command.args(args);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let e = command.exec();
        fail(&format!(
            "cannot run {}: {}; `python -m genevars` runs the same command",
            script.display(),
            genevars::input::strerror(&e)
        ))
    }
    #[cfg(not(unix))]
    match command.status() {
        Ok(status) => ExitCode::from(u8::try_from(status.code().unwrap_or(2)).unwrap_or(2)),
        Err(e) => fail(&format!("cannot run {}: {e}", script.display())),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("genevars: {message}");
    ExitCode::from(2)
}
