//! Builds the native `genevars` launcher when the Python extension is built (maturin turns
//! on the `python` feature), so that the wheel carries both: maturin builds only the
//! extension of a PyO3 project, and puts in the wheel what `wheel-data/scripts/` holds
//! once the build is done (pyproject.toml's `data`).
//!
//! The launcher is this crate's `genevars` binary, built without the `python` feature by a
//! cargo of its own (its own target directory: the outer build holds the lock on this one),
//! for the same target and profile, and copied to `wheel-data/scripts/genevars` (ignored by
//! git, left out of the sdist). No `rerun-if` line: cargo runs this again whenever a file
//! of the package changes, and so whenever the launcher may have.

use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    if env::var_os("CARGO_FEATURE_PYTHON").is_none() {
        return; // cargo test, benches, fuzzing: no wheel, no launcher
    }
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let target = env::var("TARGET").expect("set by cargo");
    let release = env::var("PROFILE").as_deref() == Ok("release");
    let target_dir = env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| manifest_dir.join("target"), PathBuf::from);
    let build_dir = target_dir.join("launcher-build");

    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(&manifest_dir)
        .args(["build", "--bin", "genevars", "--target", &target])
        .arg("--target-dir")
        .arg(&build_dir);
    if release {
        command.arg("--release");
    }
    // The extension's flags (features, rustc arguments after `--`) are not the launcher's.
    command
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_FEATURE_PYTHON");
    let status = command
        .status()
        .unwrap_or_else(|e| panic!("cannot start cargo to build the genevars launcher: {e}"));
    assert!(status.success(), "building the genevars launcher failed ({status})");

    let built = build_dir
        .join(&target)
        .join(if release { "release" } else { "debug" })
        .join(format!("genevars{}", env::consts::EXE_SUFFIX));
    let placed = manifest_dir
        .join("wheel-data")
        .join("scripts")
        .join(format!("genevars{}", env::consts::EXE_SUFFIX));
    std::fs::copy(&built, &placed)
        .unwrap_or_else(|e| panic!("cannot copy the launcher to {}: {e}", placed.display()));
    // Beside it, the command in Python must be executable too; an sdist keeps no file modes.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let script = placed.with_file_name("genevars-python");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("cannot make {} executable: {e}", script.display()));
    }
}
