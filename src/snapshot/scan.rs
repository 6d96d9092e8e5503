//! The site-packages scanner: which distributions `import` sees on a path.
//!
//! Every path entry is listed once, in order. Inside a directory entry we read
//! `*.dist-info` (METADATA, INSTALLER, direct_url.json), `*.egg-info` (a PKG-INFO
//! directory or a PKG-INFO file) and unzipped `*.egg` directories (EGG-INFO/PKG-INFO); an
//! entry that is itself an `.egg` directory is that one distribution. The first copy of a
//! normalized name wins, as with `import`; later copies are kept as its `shadowed`.
//! Zipped eggs, `.egg-link` files (legacy editable installs) and two metadata folders of
//! one name in one directory are read as [`super::layouts`] says.
//!
//! Nothing here fails the scan: every entry or distribution that cannot be read becomes an
//! [`Unreadable`] with a reason. The stdlib scanner in `python/genevars/_probe.py` gives
//! the same packages and the same reasons; keep the two in step.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::layouts::{self, ZippedEggError};
use super::metadata::{read_header_block, CoreMetadata, Fields, HeaderBlockTooLong};
use super::model::{DirectUrl, DistKind, Package, ShadowedCopy, Unreadable};
use crate::input::open_for_reading;
use crate::parallel;
use crate::redact;

/// The packages found on a path and what could not be read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ScanResult {
    /// One per normalized name, sorted by name; later copies in `shadowed`.
    pub packages: Vec<Package>,
    /// In the order they were met.
    pub unreadable: Vec<Unreadable>,
}

/// A direct_url.json larger than this is refused.
const SMALL_FILE_LIMIT: u64 = 1 << 20;

/// Scans path entries in order, as `import` would search them.
pub fn scan_paths<P: AsRef<Path>>(paths: &[P]) -> ScanResult {
    scan_paths_for(paths, Fields::All)
}

/// [`scan_paths`], reading only what `fields` needs: with [`Fields::NameAndVersion`] each
/// distribution costs one metadata file (no INSTALLER, no direct_url.json) and its
/// header block only as far as Name and Version.
pub fn scan_paths_for<P: AsRef<Path>>(paths: &[P], fields: Fields) -> ScanResult {
    let mut scanner = Scanner {
        fields,
        ..Scanner::default()
    };
    for entry in paths {
        scanner.scan_entry(entry.as_ref());
    }
    scanner.finish()
}

#[derive(Default)]
struct Scanner {
    fields: Fields,
    packages: Vec<Package>,
    index: HashMap<String, usize>,
    unreadable: Vec<Unreadable>,
    /// Entries already scanned, as given and resolved: a repeated entry adds nothing.
    seen_entries: HashSet<OsString>,
    seen_dirs: HashSet<PathBuf>,
    /// `.egg` directories already read: one can be both inside site-packages and a
    /// path entry of its own (through easy-install.pth).
    seen_eggs: HashSet<PathBuf>,
    /// Project directories named by `.egg-link` files, in the order met: scanned after
    /// the path, as `easy-install.pth` puts them after site-packages.
    egg_links: Vec<PathBuf>,
    /// The same, resolved: what is found there is a legacy editable install.
    develop_dirs: HashSet<PathBuf>,
}

/// The metadata layouts, named as reasons name them.
#[derive(Clone, Copy)]
enum Layout {
    DistInfo,
    EggInfo,
    Egg,
    EggLink,
}

impl Layout {
    fn of(name: &[u8]) -> Option<Layout> {
        if ends_with_ignore_case(name, b".dist-info") {
            Some(Layout::DistInfo)
        } else if ends_with_ignore_case(name, b".egg-info") {
            Some(Layout::EggInfo)
        } else if ends_with_ignore_case(name, b".egg") {
            Some(Layout::Egg)
        } else if ends_with_ignore_case(name, b".egg-link") {
            Some(Layout::EggLink)
        } else {
            None
        }
    }
}

fn ends_with_ignore_case(name: &[u8], suffix: &[u8]) -> bool {
    name.len() > suffix.len() && name[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

impl Scanner {
    fn unreadable(&mut self, path: &Path, reason: impl Into<String>) {
        self.unreadable.push(unreadable(path, reason));
    }

    fn scan_entry(&mut self, entry: &Path) {
        if !self.seen_entries.insert(entry.as_os_str().to_owned()) {
            return;
        }
        // An empty entry is the current directory.
        let root = if entry.as_os_str().is_empty() {
            Path::new(".")
        } else {
            entry
        };
        let meta = match fs::metadata(root) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return self.unreadable(entry, "path entry does not exist");
            }
            Err(e) => {
                return self.unreadable(entry, format!("cannot read path entry: {}", describe(&e)));
            }
        };
        if let Ok(resolved) = fs::canonicalize(root) {
            if !self.seen_dirs.insert(resolved) {
                return;
            }
        }
        let root_name = root.file_name().map(os_bytes).unwrap_or_default();
        let is_egg = matches!(Layout::of(&root_name), Some(Layout::Egg));
        if meta.is_file() && is_egg {
            return self.read_egg(entry, root);
        }
        if meta.is_file() {
            let reason = if is_zip(root) {
                "path entry is a zip archive; distributions inside zip archives are not scanned"
            } else {
                "path entry is a file, not a directory"
            };
            return self.unreadable(entry, reason);
        }
        if !meta.is_dir() {
            return self.unreadable(entry, "path entry is not a directory");
        }
        if is_egg {
            return self.read_egg(entry, root);
        }
        let mut modules = Modules::default();
        let wanted = (self.fields == Fields::All).then_some(&mut modules);
        let mut children = match list_children(root, wanted) {
            Ok(children) => children,
            Err(e) => {
                return self.unreadable(entry, format!("cannot list path entry: {}", describe(&e)));
            }
        };
        children.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let children: Vec<(PathBuf, Layout)> = children
            .into_iter()
            .map(|(name, layout)| (root.join(name), layout))
            .collect();
        // Reading is independent per child and bound by system calls: spread it over
        // threads, then merge in path order so the result is the sequential one.
        // Held open so each file of a distribution is opened relative to it.
        let parent = File::open(root).ok();
        let outcomes = read_children(
            entry,
            parent.as_ref(),
            &children,
            self.fields,
            parallel::threads_for(children.len(), CHILDREN_PER_THREAD),
        );
        // Packages of this directory are added once all are read, so that two metadata
        // folders of one name are settled between themselves (not as shadowing).
        let mut found = Vec::with_capacity(outcomes.len());
        for ((path, layout), outcome) in children.iter().zip(outcomes) {
            let outcome = match (layout, outcome) {
                (Layout::Egg, _) => self.egg_outcome(entry, path),
                (Layout::EggLink, _) => {
                    self.read_egg_link(path);
                    continue;
                }
                (_, Some(outcome)) => outcome,
                (_, None) => continue,
            };
            self.unreadable.extend(outcome.unreadable);
            found.extend(outcome.package);
        }
        if self.fields == Fields::All {
            import_names_where_unguessable(&mut found, &modules.names);
            if modules.project {
                mark_develop_installs(&mut found, |_| true);
            }
        }
        let found = layouts::settle_same_directory(root, found);
        self.packages.reserve(found.len());
        self.index.reserve(found.len());
        for package in found {
            self.add(package);
        }
    }

    /// An `.egg` directory or zipped `.egg` file, read once however many ways it is reached.
    fn read_egg(&mut self, location: &Path, egg: &Path) {
        let outcome = self.egg_outcome(location, egg);
        self.absorb(outcome);
    }

    fn egg_outcome(&mut self, location: &Path, egg: &Path) -> Outcome {
        let is_dir = match fs::metadata(egg) {
            Ok(meta) => meta.is_dir(),
            Err(e) => return Outcome::refused(egg, format!("cannot read .egg: {}", describe(&e))),
        };
        if let Ok(resolved) = fs::canonicalize(egg) {
            if !self.seen_eggs.insert(resolved) {
                return Outcome::default();
            }
        }
        if is_dir {
            read_egg_info_dir(location, &egg.join("EGG-INFO"), self.fields)
        } else {
            read_zipped_egg(location, egg, self.fields)
        }
    }

    /// Remembers the project directory of a legacy editable install.
    fn read_egg_link(&mut self, link: &Path) {
        match layouts::read_egg_link(link) {
            Ok(target) => {
                if let Ok(resolved) = fs::canonicalize(&target) {
                    self.develop_dirs.insert(resolved);
                }
                self.egg_links.push(target);
            }
            Err(reason) => self.unreadable(link, reason),
        }
    }

    fn absorb(&mut self, outcome: Outcome) {
        self.unreadable.extend(outcome.unreadable);
        if let Some(package) = outcome.package {
            self.add(package);
        }
    }

    fn add(&mut self, package: Package) {
        match self.index.get(&package.name) {
            Some(&winner) => self.packages[winner].shadowed.push(ShadowedCopy {
                version: package.version,
                location: package.location,
                metadata_path: package.metadata_path,
            }),
            None => {
                self.index.insert(package.name.clone(), self.packages.len());
                self.packages.push(package);
            }
        }
    }

    fn finish(mut self) -> ScanResult {
        // What `.egg-link` files name is on sys.path through easy-install.pth; a scan of
        // site-packages alone (`snapshot --path`) still finds it.
        for target in std::mem::take(&mut self.egg_links) {
            self.scan_entry(&target);
        }
        if self.fields == Fields::All && !self.develop_dirs.is_empty() {
            let linked = &self.develop_dirs;
            mark_develop_installs(&mut self.packages, |dir| {
                fs::canonicalize(dir).is_ok_and(|d| linked.contains(&d))
            });
        }
        self.packages.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        ScanResult {
            packages: self.packages,
            unreadable: self.unreadable,
        }
    }
}

/// An unreadable entry; a sys.path entry may be a URL with credentials, so both texts
/// are masked.
fn unreadable(path: &Path, reason: impl Into<String>) -> Unreadable {
    Unreadable {
        path: redact::masked(&path.to_string_lossy()),
        reason: redact::masked(&reason.into()),
    }
}

/// What reading one distribution gave: the package, and what could not be read.
#[derive(Debug, Default, PartialEq, Eq)]
struct Outcome {
    package: Option<Package>,
    unreadable: Vec<Unreadable>,
}

impl Outcome {
    fn refused(path: &Path, reason: impl Into<String>) -> Outcome {
        Outcome {
            package: None,
            unreadable: vec![unreadable(path, reason)],
        }
    }
}

/// Below this many children one thread is quicker than starting more.
const CHILDREN_PER_THREAD: usize = 128;

/// The outcome of each dist-info and egg-info child, in order (`None` for `.egg`
/// children, which the scanner reads itself because it deduplicates them).
fn read_children(
    location: &Path,
    parent: Option<&File>,
    children: &[(PathBuf, Layout)],
    fields: Fields,
    threads: usize,
) -> Vec<Option<Outcome>> {
    let read = |chunk: &[(PathBuf, Layout)]| -> Vec<Option<Outcome>> {
        chunk
            .iter()
            .map(|(path, layout)| match layout {
                Layout::DistInfo => Some(read_dist_info(location, parent, path, fields)),
                Layout::EggInfo => Some(read_egg_info(location, path, fields)),
                Layout::Egg | Layout::EggLink => None,
            })
            .collect()
    };
    // Sized at once: at thousands of packages, growing it would copy them into fresh
    // pages again and again.
    let mut all = Vec::with_capacity(children.len());
    for (chunk, outcomes) in parallel::map_chunks(children, threads, read) {
        match outcomes {
            Ok(outcomes) => all.extend(outcomes),
            // Reading does not panic; if it ever did, keep every entry accounted for.
            Err(_) => all.extend(
                chunk
                    .iter()
                    .map(|(path, _)| Some(Outcome::refused(path, "internal error while reading"))),
            ),
        }
    }
    all
}

fn read_dist_info(location: &Path, parent: Option<&File>, dir: &Path, fields: Fields) -> Outcome {
    let open = |file: &str| open_in(parent, dir, file);
    let block = match read_metadata_file(open("METADATA"), "METADATA", ".dist-info") {
        Ok(block) => block,
        Err(reason) => return Outcome::refused(dir, reason),
    };
    let mut outcome = parse(
        location,
        dir,
        DistKind::DistInfo,
        "METADATA",
        &block,
        fields,
    );
    if fields == Fields::NameAndVersion {
        return outcome;
    }
    if let Some(package) = &mut outcome.package {
        package.installer = read_one_line_file(open("INSTALLER"));
        // Almost no distribution has a direct_url.json, and a lookup that finds nothing
        // costs the kernel about half a failed open (no file is set up for it).
        let direct_url = if surely_absent_in(parent, dir, "direct_url.json") {
            Ok(None)
        } else {
            read_direct_url(open("direct_url.json"))
        };
        match direct_url {
            Ok(direct_url) => package.direct_url = direct_url,
            Err(()) => outcome.unreadable.push(unreadable(
                dir,
                "direct_url.json is not valid PEP 610 JSON; the origin is not recorded",
            )),
        }
    }
    outcome
}

fn read_egg_info(location: &Path, path: &Path, fields: Fields) -> Outcome {
    // A directory holding PKG-INFO, or a PKG-INFO file of its own.
    let file = if path.is_dir() {
        path.join("PKG-INFO")
    } else {
        path.to_path_buf()
    };
    match read_metadata_file(open_for_reading(&file), "PKG-INFO", ".egg-info") {
        Ok(block) => parse(
            location,
            path,
            DistKind::EggInfo,
            "PKG-INFO",
            &block,
            fields,
        ),
        Err(reason) => Outcome::refused(path, reason),
    }
}

/// Marks the `.egg-info` distributions whose directory `develop` says is a project checkout
/// (one holding setup.py or pyproject.toml, or one an `.egg-link` names) as the editable
/// installs they are.
fn mark_develop_installs(packages: &mut [Package], develop: impl Fn(&Path) -> bool) {
    for package in packages {
        if package.kind != DistKind::EggInfo || package.direct_url.is_some() {
            continue;
        }
        let Some(dir) = Path::new(&package.metadata_path).parent() else {
            continue;
        };
        if develop(dir) {
            package.direct_url = Some(layouts::develop_origin(dir));
        }
    }
}

/// Import names for the packages of one directory whose name does not say them: where
/// `numpy` sits beside `numpy-2.2.6.dist-info` nothing is read, where `PyYAML` has no
/// `pyyaml` beside it `top_level.txt` (else RECORD) says `yaml`. Most names say it, so
/// most distributions cost no read.
fn import_names_where_unguessable(packages: &mut [Package], modules: &rustc_hash::FxHashSet<u64>) {
    for package in packages {
        let guess = package
            .name
            .bytes()
            .map(|b| if b == b'-' { b'_' } else { b });
        if modules.contains(&module_key(guess)) {
            continue;
        }
        let dir = Path::new(&package.metadata_path);
        let top_level = || open_for_reading(&dir.join("top_level.txt"));
        package.import_names = match package.kind {
            DistKind::DistInfo => {
                layouts::import_names(top_level(), || open_for_reading(&dir.join("RECORD")))
            }
            DistKind::EggInfo if dir.is_dir() => {
                layouts::import_names(top_level(), || Err(io::ErrorKind::NotFound.into()))
            }
            _ => continue,
        };
    }
}

fn read_zipped_egg(location: &Path, egg: &Path, fields: Fields) -> Outcome {
    let opened = match open_for_reading(egg) {
        Ok(file) => file,
        Err(e) => return Outcome::refused(egg, format!("cannot read .egg: {}", describe(&e))),
    };
    let info = egg.join("EGG-INFO");
    match layouts::read_zipped_pkg_info(&opened) {
        Ok(block) => parse(
            location,
            &info,
            DistKind::Egg,
            "EGG-INFO/PKG-INFO",
            &block,
            fields,
        ),
        Err(e @ ZippedEggError::NoPkgInfo) => Outcome::refused(&info, e.to_string()),
        Err(e) => Outcome::refused(egg, e.to_string()),
    }
}

fn read_egg_info_dir(location: &Path, info: &Path, fields: Fields) -> Outcome {
    match read_metadata_file(
        open_for_reading(&info.join("PKG-INFO")),
        "EGG-INFO/PKG-INFO",
        ".egg",
    ) {
        Ok(block) => parse(
            location,
            info,
            DistKind::Egg,
            "EGG-INFO/PKG-INFO",
            &block,
            fields,
        ),
        Err(reason) => Outcome::refused(info, reason),
    }
}

/// The package a header block describes, or the reason it is unusable.
fn parse(
    location: &Path,
    metadata_path: &Path,
    kind: DistKind,
    label: &str,
    block: &[u8],
    fields: Fields,
) -> Outcome {
    let meta = match CoreMetadata::parse_fields(block, fields) {
        Ok(meta) => meta,
        Err(e) => return Outcome::refused(metadata_path, format!("{label} {e}")),
    };
    let unreadable = meta
        .lossy
        .iter()
        .map(|lossy| {
            unreadable(
                metadata_path,
                format!(
                    "{label} {} field (line {}) is not valid UTF-8; kept with replacement characters",
                    lossy.field, lossy.line
                ),
            )
        })
        .collect();
    Outcome {
        package: Some(Package {
            name: meta.normalized_name,
            display_name: meta.name,
            version: meta.version,
            location: location.to_string_lossy().into_owned(),
            metadata_path: metadata_path.to_string_lossy().into_owned(),
            kind,
            installer: None,
            direct_url: None,
            // `pkg @ https://user:token@host/pkg.whl` names a private wheel's credentials
            // (PEP 508 puts a URL only after an '@').
            requires_dist: meta
                .requires_dist
                .into_iter()
                .map(|r| if r.contains('@') { redact::masked(&r) } else { r })
                .collect(),
            provides_extra: meta.provides_extra,
            requires_python: meta.requires_python,
            shadowed: Vec::new(),
            same_directory: Vec::new(),
            import_names: Vec::new(),
            version_uncertain: false,
        }),
        unreadable,
    }
}

/// The children of a directory whose names say they hold distribution metadata.
#[cfg(test)]
fn list_metadata_children(dir: &Path) -> io::Result<Vec<(OsString, Layout)>> {
    list_children(dir, None)
}

/// The children of a directory whose names say they hold distribution metadata; with
/// `modules`, also the lowercase names the other children are imported as (`yaml` for
/// `yaml/`, `six` for `six.py`, `_cffi_backend` for `_cffi_backend.cpython-311-...so`).
fn list_children(
    dir: &Path,
    mut modules: Option<&mut Modules>,
) -> io::Result<Vec<(OsString, Layout)>> {
    let mut children = Vec::new();
    for child in fs::read_dir(dir)? {
        let name = child?.file_name();
        let bytes = os_bytes(&name);
        if let Some(layout) = Layout::of(&bytes) {
            children.push((name, layout));
        } else if let Some(modules) = modules.as_deref_mut() {
            let stem = bytes.split(|&b| b == b'.').next().unwrap_or_default();
            modules.names.insert(module_key(stem.iter().copied()));
            modules.project |= layouts::is_project_file(&bytes);
        }
    }
    Ok(children)
}

/// What the other children of a directory say: the names they are imported as (as
/// [`module_key`]s), and whether the directory is a project checkout (setup.py,
/// pyproject.toml beside).
#[derive(Default)]
struct Modules {
    names: rustc_hash::FxHashSet<u64>,
    project: bool,
}

/// A module name, ASCII case folded, hashed without a copy: a key for "is there a module
/// of this name here". A collision only skips reading a package's import names.
fn module_key(name: impl Iterator<Item = u8>) -> u64 {
    use std::hash::Hasher;
    let mut hasher = rustc_hash::FxHasher::default();
    for b in name {
        hasher.write_u8(b.to_ascii_lowercase());
    }
    hasher.finish()
}

#[cfg(unix)]
pub(super) fn os_bytes(name: &std::ffi::OsStr) -> std::borrow::Cow<'_, [u8]> {
    use std::os::unix::ffi::OsStrExt;
    std::borrow::Cow::Borrowed(name.as_bytes())
}

#[cfg(not(unix))]
pub(super) fn os_bytes(name: &std::ffi::OsStr) -> std::borrow::Cow<'_, [u8]> {
    std::borrow::Cow::Owned(name.to_string_lossy().into_owned().into_bytes())
}

/// Opens `file` inside the directory `dir`, relative to `dir`'s parent directory when
/// that is held open: the kernel then resolves two components instead of the whole path,
/// and these opens are most of what a scan costs.
pub(super) fn open_in(parent: Option<&File>, dir: &Path, file: &str) -> io::Result<File> {
    #[cfg(unix)]
    if let Some((parent, relative)) = relative_to_parent(parent, dir, file) {
        use std::os::fd::{AsRawFd, FromRawFd};
        let relative = relative?;
        let flags = libc::O_RDONLY | libc::O_NONBLOCK | libc::O_CLOEXEC;
        // SAFETY: `relative` is a NUL-terminated string and `parent` an open descriptor
        // for the whole call; a non-negative result is a new descriptor that we own.
        let fd = unsafe { libc::openat(parent.as_raw_fd(), relative.as_ptr(), flags) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just opened and nothing else owns it.
        return Ok(unsafe { File::from_raw_fd(fd) });
    }
    open_for_reading(&dir.join(file))
}

/// `dir/file` relative to `dir`'s parent, with the parent, when the parent is held open.
#[cfg(unix)]
fn relative_to_parent<'a>(
    parent: Option<&'a File>,
    dir: &Path,
    file: &str,
) -> Option<(&'a File, io::Result<std::ffi::CString>)> {
    use std::os::unix::ffi::OsStrExt;
    let (parent, name) = (parent?, dir.file_name()?);
    let mut relative = Vec::with_capacity(name.len() + file.len() + 1);
    relative.extend_from_slice(name.as_bytes());
    relative.push(b'/');
    relative.extend_from_slice(file.as_bytes());
    let relative =
        std::ffi::CString::new(relative).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput));
    Some((parent, relative))
}

/// Whether the kernel says `file` does not exist inside `dir` (looked up as [`open_in`]
/// would open it). Anything else, a permission error included, is left to the open to
/// report.
fn surely_absent_in(parent: Option<&File>, dir: &Path, file: &str) -> bool {
    #[cfg(unix)]
    if let Some((parent, Ok(relative))) = relative_to_parent(parent, dir, file) {
        use std::os::fd::AsRawFd;
        // SAFETY: `relative` is a NUL-terminated string and `parent` an open descriptor
        // for the whole call; faccessat only looks the path up.
        let found =
            unsafe { libc::faccessat(parent.as_raw_fd(), relative.as_ptr(), libc::F_OK, 0) };
        return found != 0 && io::Error::last_os_error().raw_os_error() == Some(libc::ENOENT);
    }
    // Without a parent held open (or off Unix), the open finds out.
    #[cfg(not(unix))]
    let _ = (parent, dir, file);
    false
}

/// The header block of a metadata file (as opened), or the reason it cannot be read.
/// `container` names the directory kind for the "is a file" case.
///
/// The common case costs open, read, close: the file type is only looked at when
/// something went wrong, to say why.
fn read_metadata_file(
    opened: io::Result<File>,
    label: &str,
    container: &str,
) -> Result<Vec<u8>, String> {
    let source = match opened {
        Ok(source) => source,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(format!("no {label} file")),
        Err(e) if e.raw_os_error() == Some(errno::ENOTDIR) => {
            return Err(format!("is a file, not a {container} directory"))
        }
        Err(e) => return Err(format!("cannot read {label}: {}", describe(&e))),
    };
    let result = read_header_block(&source);
    if !matches!(&result, Ok(block) if !block.is_empty()) && !is_regular(&source) {
        // A directory, FIFO or device: refused whatever it gave.
        return Err(format!("{label} is not a regular file"));
    }
    result.map_err(|e| {
        if e.get_ref()
            .is_some_and(|inner| inner.is::<HeaderBlockTooLong>())
        {
            format!("{label} {e}")
        } else {
            format!("cannot read {label}: {}", describe(&e))
        }
    })
}

fn is_regular(file: &File) -> bool {
    file.metadata().is_ok_and(|m| m.is_file())
}

/// The trimmed text of a one-line file such as INSTALLER, or `None` when it is absent,
/// empty or unusable. One read: such files are a few bytes.
fn read_one_line_file(opened: io::Result<File>) -> Option<String> {
    let mut buf = [0u8; 1024];
    let n = opened.ok()?.read(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf[..n]);
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// PEP 610 `direct_url.json`: `Ok(None)` when absent, `Err` when present but malformed.
fn read_direct_url(opened: io::Result<File>) -> Result<Option<DirectUrl>, ()> {
    let source = match opened {
        Ok(source) => source,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(_) => return Err(()),
    };
    let mut bytes = Vec::new();
    source
        .take(SMALL_FILE_LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(|_| ())?;
    if bytes.len() as u64 > SMALL_FILE_LIMIT {
        return Err(());
    }
    let text = String::from_utf8(bytes).map_err(|_| ())?;
    parse_direct_url(&text).map(Some).ok_or(())
}

/// The origin a `direct_url.json` records, with credentials in its URL masked.
pub fn parse_direct_url(text: &str) -> Option<DirectUrl> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let url = value.get("url")?.as_str()?;
    let is_object = |key: &str| value.get(key).is_some_and(serde_json::Value::is_object);
    let (kind, editable) = if is_object("vcs_info") {
        ("vcs", false)
    } else if is_object("archive_info") {
        ("archive", false)
    } else if is_object("dir_info") {
        let editable = value["dir_info"].get("editable") == Some(&serde_json::Value::Bool(true));
        ("dir", editable)
    } else {
        return None;
    };
    Some(DirectUrl {
        url: redact::mask_credentials(url).unwrap_or_else(|| url.to_string()),
        editable,
        kind: kind.to_string(),
    })
}

/// A file path entry is a zip archive by its extension or its first bytes.
fn is_zip(path: &Path) -> bool {
    let by_name = path
        .extension()
        .map(|ext| {
            let ext = ext.to_string_lossy();
            ["zip", "egg", "whl", "pyz"]
                .iter()
                .any(|z| ext.eq_ignore_ascii_case(z))
        })
        .unwrap_or(false);
    by_name || {
        let mut magic = [0u8; 4];
        File::open(path)
            .and_then(|mut f| f.read_exact(&mut magic))
            .is_ok_and(|()| &magic == b"PK\x03\x04")
    }
}

mod errno {
    pub const ENOTDIR: i32 = 20;
    pub const EISDIR: i32 = 21;
    #[cfg(target_os = "linux")]
    pub const ELOOP: i32 = 40;
    #[cfg(not(target_os = "linux"))]
    pub const ELOOP: i32 = 62;
}

/// An I/O error in the words every reason uses (the stdlib scanner says the same).
fn describe(e: &io::Error) -> String {
    match (e.kind(), e.raw_os_error()) {
        (io::ErrorKind::NotFound, _) => "does not exist".to_string(),
        (io::ErrorKind::PermissionDenied, _) => "permission denied".to_string(),
        (_, Some(errno::ELOOP)) => "symlink loop".to_string(),
        (_, Some(errno::ENOTDIR)) => "not a directory".to_string(),
        (_, Some(errno::EISDIR)) => "is a directory".to_string(),
        _ => crate::input::strerror(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::create_dir_all;

    fn write(path: &Path, text: impl AsRef<[u8]>) {
        create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn dist_info(site: &Path, name: &str, version: &str) -> PathBuf {
        let dir = site.join(format!("{}-{version}.dist-info", name.replace('-', "_")));
        write(
            &dir.join("METADATA"),
            format!(
                "Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\nLong description\n"
            ),
        );
        dir
    }

    fn scan(paths: &[&Path]) -> ScanResult {
        scan_paths(paths)
    }

    fn reasons(result: &ScanResult) -> Vec<(String, String)> {
        result
            .unreadable
            .iter()
            .map(|u| (u.path.clone(), u.reason.clone()))
            .collect()
    }

    #[test]
    fn reads_a_dist_info_with_all_its_files() {
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path();
        let dir = site.join("PyYAML-6.0.1.dist-info");
        write(
            &dir.join("METADATA"),
            "Metadata-Version: 2.1\nName: PyYAML\nVersion: 6.0.1\nRequires-Python: >=3.6\n\
             Requires-Dist: a>=1\nProvides-Extra: fast\n\nbody\n",
        );
        write(&dir.join("INSTALLER"), "uv\n");
        write(
            &dir.join("direct_url.json"),
            r#"{"url": "https://user:hunter2@example.com/pyyaml.whl", "archive_info": {}}"#,
        );
        let result = scan(&[site]);
        assert!(result.unreadable.is_empty(), "{:?}", result.unreadable);
        let [p] = result.packages.as_slice() else {
            panic!("{:?}", result.packages)
        };
        assert_eq!(p.name, "pyyaml");
        assert_eq!(p.display_name, "PyYAML");
        assert_eq!(p.version, "6.0.1");
        assert_eq!(p.location, site.to_string_lossy());
        assert_eq!(p.metadata_path, dir.to_string_lossy());
        assert_eq!(p.kind, DistKind::DistInfo);
        assert_eq!(p.installer.as_deref(), Some("uv"));
        assert_eq!(p.requires_dist, ["a>=1"]);
        assert_eq!(p.provides_extra, ["fast"]);
        assert_eq!(p.requires_python.as_deref(), Some(">=3.6"));
        let url = p.direct_url.as_ref().unwrap();
        assert_eq!(url.url, "https://***@example.com/pyyaml.whl");
        assert_eq!((url.kind.as_str(), url.editable), ("archive", false));
    }

    #[test]
    fn editable_and_vcs_origins() {
        let tmp = tempfile::tempdir().unwrap();
        let a = dist_info(tmp.path(), "a", "1");
        write(
            &a.join("direct_url.json"),
            r#"{"url": "file:///src/a", "dir_info": {"editable": true}}"#,
        );
        let b = dist_info(tmp.path(), "b", "1");
        write(
            &b.join("direct_url.json"),
            r#"{"url": "git+https://tok@github.com/x/b", "vcs_info": {"vcs": "git", "commit_id": "abc"}}"#,
        );
        let c = dist_info(tmp.path(), "c", "1");
        write(
            &c.join("direct_url.json"),
            r#"{"url": "file:///src/c", "dir_info": {}}"#,
        );
        let result = scan(&[tmp.path()]);
        let urls: Vec<_> = result
            .packages
            .iter()
            .map(|p| p.direct_url.clone().unwrap())
            .map(|u| (u.url, u.kind, u.editable))
            .collect();
        assert_eq!(
            urls,
            [
                ("file:///src/a".into(), "dir".into(), true),
                ("git+https://***@github.com/x/b".into(), "vcs".into(), false),
                ("file:///src/c".into(), "dir".into(), false),
            ]
        );
    }

    #[test]
    fn egg_info_directory_and_file_and_egg_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path();
        write(
            &site.join("dirform-1.0.egg-info/PKG-INFO"),
            "Name: dirform\nVersion: 1.0\n",
        );
        write(
            &site.join("fileform-2.0-py3.11.egg-info"),
            "Name: fileform\nVersion: 2.0\n",
        );
        write(
            &site.join("eggform-3.0-py3.11.egg/EGG-INFO/PKG-INFO"),
            "Name: EggForm\nVersion: 3.0\n",
        );
        let result = scan(&[site]);
        assert!(result.unreadable.is_empty(), "{:?}", result.unreadable);
        let got: Vec<_> = result
            .packages
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.version.as_str(),
                    p.kind,
                    p.metadata_path.clone(),
                )
            })
            .collect();
        let path = |s: &str| site.join(s).to_string_lossy().into_owned();
        assert_eq!(
            got,
            [
                (
                    "dirform",
                    "1.0",
                    DistKind::EggInfo,
                    path("dirform-1.0.egg-info")
                ),
                (
                    "eggform",
                    "3.0",
                    DistKind::Egg,
                    path("eggform-3.0-py3.11.egg/EGG-INFO")
                ),
                (
                    "fileform",
                    "2.0",
                    DistKind::EggInfo,
                    path("fileform-2.0-py3.11.egg-info")
                ),
            ]
        );
    }

    #[test]
    fn an_egg_path_entry_is_one_distribution_read_once() {
        let tmp = tempfile::tempdir().unwrap();
        let egg = tmp.path().join("x-1.0.egg");
        write(&egg.join("EGG-INFO/PKG-INFO"), "Name: x\nVersion: 1.0\n");
        // Inside site-packages and on the path through easy-install.pth: read once.
        let result = scan(&[tmp.path(), &egg]);
        assert_eq!(result.packages.len(), 1);
        assert!(result.packages[0].shadowed.is_empty());
        let alone = scan(&[&egg]);
        assert_eq!(alone.packages[0].location, egg.to_string_lossy());
    }

    #[test]
    fn first_on_the_path_wins_and_later_copies_are_shadowed() {
        let first = tempfile::tempdir().unwrap();
        let second = tempfile::tempdir().unwrap();
        dist_info(first.path(), "Typing_Extensions", "4.12.2");
        let shadowed = dist_info(second.path(), "typing-extensions", "4.5.0");
        dist_info(second.path(), "only-second", "1.0");
        let result = scan(&[first.path(), second.path()]);
        let names: Vec<_> = result.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["only-second", "typing-extensions"]);
        let winner = &result.packages[1];
        assert_eq!(winner.version, "4.12.2");
        assert_eq!(winner.display_name, "Typing_Extensions");
        assert_eq!(
            winner.shadowed,
            [ShadowedCopy {
                version: "4.5.0".into(),
                location: second.path().to_string_lossy().into(),
                metadata_path: shadowed.to_string_lossy().into(),
            }]
        );
        // Reversed path, reversed winner.
        let result = scan(&[second.path(), first.path()]);
        assert_eq!(result.packages[1].version, "4.5.0");
    }

    #[test]
    fn repeated_entries_are_scanned_once() {
        let tmp = tempfile::tempdir().unwrap();
        dist_info(tmp.path(), "a", "1");
        let alias = tmp.path().join("a-1.dist-info/..");
        let result = scan(&[tmp.path(), tmp.path(), &alias]);
        assert_eq!(result.packages.len(), 1);
        assert!(result.packages[0].shadowed.is_empty());
        assert!(result.unreadable.is_empty());
    }

    #[test]
    fn malformed_distributions_become_unreadable_with_a_reason() {
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path();
        fs::create_dir_all(site.join("nometa-1.0.dist-info")).unwrap();
        write(
            &site.join("noname-1.0.dist-info/METADATA"),
            "Version: 1.0\n",
        );
        write(
            &site.join("noversion-1.0.dist-info/METADATA"),
            "Name: noversion\n",
        );
        write(
            &site.join("emptyversion-1.0.dist-info/METADATA"),
            "Name: e\nVersion:\n",
        );
        write(
            &site.join("latin-1.0.dist-info/METADATA"),
            b"Name: caf\xe9\nVersion: 1\n",
        );
        write(
            &site.join("badname-1.0.dist-info/METADATA"),
            "Name: bad name\nVersion: 1\n",
        );
        write(
            &site.join("afile-1.0.dist-info"),
            "Name: afile\nVersion: 1\n",
        );
        fs::create_dir_all(site.join("metadir-1.0.dist-info/METADATA")).unwrap();
        fs::create_dir_all(site.join("nopkginfo-1.0.egg-info")).unwrap();
        write(&site.join("zipped-1.0.egg"), b"PK\x03\x04rest");
        fs::create_dir_all(site.join("noegginfo-1.0.egg")).unwrap();
        write(
            &site.join("badurl-1.0.dist-info/METADATA"),
            "Name: badurl\nVersion: 1\n",
        );
        write(
            &site.join("badurl-1.0.dist-info/direct_url.json"),
            "{not json",
        );
        write(
            &site.join("lossy-1.0.dist-info/METADATA"),
            b"Name: lossy\nVersion: 1\nRequires-Dist: x\xff\n",
        );
        write(
            &site.join("body-1.0.dist-info/METADATA"),
            "Metadata-Version: 2.1\n\nName: body\nVersion: 1\n",
        );
        let result = scan(&[site]);
        let p = |s: &str| site.join(s).to_string_lossy().into_owned();
        let mut got = reasons(&result);
        got.sort();
        let mut expected = vec![
            (p("afile-1.0.dist-info"), "is a file, not a .dist-info directory".to_string()),
            (p("badname-1.0.dist-info"), "METADATA Name \"bad name\" is not a valid distribution name".into()),
            (p("badurl-1.0.dist-info"), "direct_url.json is not valid PEP 610 JSON; the origin is not recorded".into()),
            (p("body-1.0.dist-info"), "METADATA has no Name field".into()),
            (p("emptyversion-1.0.dist-info"), "METADATA has an empty Version field".into()),
            (p("latin-1.0.dist-info"), "METADATA Name field (line 1) is not valid UTF-8".into()),
            (p("lossy-1.0.dist-info"), "METADATA Requires-Dist field (line 3) is not valid UTF-8; kept with replacement characters".into()),
            (p("metadir-1.0.dist-info"), "METADATA is not a regular file".into()),
            (p("noegginfo-1.0.egg/EGG-INFO"), "no EGG-INFO/PKG-INFO file".into()),
            (p("nometa-1.0.dist-info"), "no METADATA file".into()),
            (p("noname-1.0.dist-info"), "METADATA has no Name field".into()),
            (p("nopkginfo-1.0.egg-info"), "no PKG-INFO file".into()),
            (p("noversion-1.0.dist-info"), "METADATA has no Version field".into()),
            (p("zipped-1.0.egg"), "zipped .egg is not a readable zip archive".into()),
        ];
        expected.sort();
        assert_eq!(got, expected);
        // The readable ones are still there: one bad entry never fails the scan.
        let names: Vec<_> = result.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["badurl", "lossy"]);
        assert_eq!(result.packages[0].direct_url, None);
        assert_eq!(result.packages[1].requires_dist, ["x\u{fffd}"]);
    }

    #[test]
    fn a_direct_url_that_is_no_file_is_reported_and_a_dangling_link_is_absent() {
        // direct_url.json is looked up before it is opened: whatever the lookup finds must
        // still be opened and judged, and only what it does not find is absent.
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path();
        write(
            &site.join("dir-1.0.dist-info/METADATA"),
            "Name: dir\nVersion: 1\n",
        );
        fs::create_dir_all(site.join("dir-1.0.dist-info/direct_url.json")).unwrap();
        write(
            &site.join("link-1.0.dist-info/METADATA"),
            "Name: link\nVersion: 1\n",
        );
        #[cfg(unix)]
        std::os::unix::fs::symlink(
            "nowhere.json",
            site.join("link-1.0.dist-info/direct_url.json"),
        )
        .unwrap();
        let result = scan(&[site]);
        let dir = site
            .join("dir-1.0.dist-info")
            .to_string_lossy()
            .into_owned();
        assert_eq!(
            reasons(&result),
            [(
                dir,
                "direct_url.json is not valid PEP 610 JSON; the origin is not recorded".to_string()
            )]
        );
        let names: Vec<_> = result.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["dir", "link"]);
        assert!(result.packages.iter().all(|p| p.direct_url.is_none()));
    }

    #[test]
    fn bad_path_entries_are_recorded() {
        let tmp = tempfile::tempdir().unwrap();
        let missing = tmp.path().join("python311.zip");
        let zip = tmp.path().join("lib.zip");
        write(&zip, b"PK\x03\x04");
        let magic_only = tmp.path().join("bundle.bin");
        write(&magic_only, b"PK\x03\x04");
        let plain = tmp.path().join("notes.txt");
        write(&plain, "hello");
        let result = scan(&[&missing, &zip, &magic_only, &plain]);
        let s = |p: &Path| p.to_string_lossy().into_owned();
        let zipped =
            "path entry is a zip archive; distributions inside zip archives are not scanned";
        assert_eq!(
            reasons(&result),
            [
                (s(&missing), "path entry does not exist".to_string()),
                (s(&zip), zipped.into()),
                (s(&magic_only), zipped.into()),
                (s(&plain), "path entry is a file, not a directory".into()),
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_are_recorded() {
        use std::os::unix::fs::symlink;
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path().join("site");
        fs::create_dir(&site).unwrap();
        symlink(
            site.join("loop-1.0.dist-info"),
            site.join("loop-1.0.dist-info"),
        )
        .unwrap();
        let entry = tmp.path().join("entry");
        symlink(&entry, &entry).unwrap();
        dist_info(&site, "fine", "1");
        let result = scan(&[&site, &entry]);
        assert_eq!(
            reasons(&result),
            [
                (
                    site.join("loop-1.0.dist-info")
                        .to_string_lossy()
                        .into_owned(),
                    "cannot read METADATA: symlink loop".to_string()
                ),
                (
                    entry.to_string_lossy().into_owned(),
                    "cannot read path entry: symlink loop".to_string()
                ),
            ]
        );
        assert_eq!(result.packages.len(), 1);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn unreadable_directories_and_files_are_recorded() {
        use std::os::unix::fs::PermissionsExt;
        let lock = |path: &Path, mode| fs::set_permissions(path, fs::Permissions::from_mode(mode));
        let tmp = tempfile::tempdir().unwrap();
        let (site, locked) = (tmp.path().join("site"), tmp.path().join("locked"));
        dist_info(&locked, "a", "1");
        let closed_dir = dist_info(&site, "b", "1");
        let closed_file = dist_info(&site, "c", "1");
        dist_info(&site, "d", "1");
        lock(&locked, 0o000).unwrap();
        lock(&closed_dir, 0o000).unwrap();
        lock(&closed_file.join("METADATA"), 0o000).unwrap();
        let result = without_permission_override(|| scan(&[&locked, &site]));
        lock(&locked, 0o755).unwrap();
        lock(&closed_dir, 0o755).unwrap();
        let text = |p: &Path| p.to_string_lossy().into_owned();
        assert_eq!(
            reasons(&result),
            [
                (
                    text(&locked),
                    "cannot list path entry: permission denied".to_string()
                ),
                (
                    text(&closed_dir),
                    "cannot read METADATA: permission denied".to_string()
                ),
                (
                    text(&closed_file),
                    "cannot read METADATA: permission denied".to_string()
                ),
            ]
        );
        assert_eq!(result.packages.len(), 1, "the readable one is still found");
    }

    /// Runs `f` on a thread that has given up the right to ignore file permissions
    /// (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so that permission checks apply even when
    /// the tests run as root. Linux keeps capabilities per thread.
    #[cfg(target_os = "linux")]
    fn without_permission_override<R: Send>(f: impl FnOnce() -> R + Send) -> R {
        #[repr(C)]
        struct Header {
            version: u32,
            pid: i32,
        }
        #[repr(C)]
        #[derive(Default, Clone, Copy)]
        struct Data {
            effective: u32,
            permitted: u32,
            inheritable: u32,
        }
        const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;
        const DAC_OVERRIDE_AND_READ_SEARCH: u32 = (1 << 1) | (1 << 2);
        std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    let mut header = Header {
                        version: LINUX_CAPABILITY_VERSION_3,
                        pid: 0, // this thread
                    };
                    let mut data = [Data::default(); 2];
                    // SAFETY: capget/capset read and write exactly a header and two data
                    // structs laid out as the kernel's (linux/capability.h, version 3).
                    unsafe {
                        let got = libc::syscall(libc::SYS_capget, &mut header, data.as_mut_ptr());
                        assert_eq!(got, 0, "capget");
                        data[0].effective &= !DAC_OVERRIDE_AND_READ_SEARCH;
                        let set = libc::syscall(libc::SYS_capset, &mut header, data.as_ptr());
                        assert_eq!(set, 0, "capset");
                    }
                    f()
                })
                .join()
                .unwrap()
        })
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_metadata_is_refused_without_blocking() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("fifo-1.0.dist-info");
        fs::create_dir(&dir).unwrap();
        let status = std::process::Command::new("mkfifo")
            .arg(dir.join("METADATA"))
            .status();
        if !status.is_ok_and(|s| s.success()) {
            return; // no mkfifo here
        }
        let result = scan(&[tmp.path()]);
        assert_eq!(
            result.unreadable[0].reason,
            "METADATA is not a regular file"
        );
    }

    #[test]
    fn the_empty_entry_is_the_current_directory() {
        let result = scan(&[Path::new("")]);
        // The crate root has no distributions, but it is listed without complaint.
        assert!(result.unreadable.is_empty(), "{:?}", result.unreadable);
    }

    #[test]
    fn threaded_reading_gives_the_sequential_result() {
        let tmp = tempfile::tempdir().unwrap();
        for i in 0..300 {
            let dir = dist_info(tmp.path(), &format!("p{i}"), &format!("1.{i}"));
            if i % 37 == 0 {
                fs::remove_file(dir.join("METADATA")).unwrap();
            }
        }
        write(&tmp.path().join("z-1.egg-info"), "Name: z\nVersion: 1\n");
        let mut children = list_metadata_children(tmp.path()).unwrap();
        children.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let children: Vec<_> = children
            .into_iter()
            .map(|(name, layout)| (tmp.path().join(name), layout))
            .collect();
        let parent = File::open(tmp.path()).unwrap();
        let one = read_children(tmp.path(), None, &children, Fields::All, 1);
        let three = read_children(tmp.path(), Some(&parent), &children, Fields::All, 3);
        assert_eq!(one.len(), 301);
        assert_eq!(one, three);
        let result = scan(&[tmp.path()]);
        assert_eq!(result.packages.len(), 301 - 9);
        assert_eq!(result.unreadable.len(), 9);
        assert!(result.unreadable.windows(2).all(|w| w[0].path < w[1].path));
    }

    #[test]
    fn a_version_scan_gives_the_full_scans_names_and_versions() {
        let tmp = tempfile::tempdir().unwrap();
        let (first, second) = (tmp.path().join("first"), tmp.path().join("second"));
        let dir = first.join("PyYAML-6.0.1.dist-info");
        write(
            &dir.join("METADATA"),
            "Metadata-Version: 2.1\nName: PyYAML\nVersion: 6.0.1\nRequires-Dist: a>=1\n\nbody\n",
        );
        write(&dir.join("INSTALLER"), "pip\n");
        write(&dir.join("direct_url.json"), "not json");
        dist_info(&second, "PyYAML", "5.4");
        write(
            &first.join("legacy-1.0.egg-info"),
            "Name: legacy\nVersion: 1.0\n",
        );
        write(
            &first.join("old-2.0.egg/EGG-INFO/PKG-INFO"),
            "Name: old\nVersion: 2.0\n",
        );
        create_dir_all(first.join("broken-1.0.dist-info")).unwrap();
        let paths = [first.as_path(), second.as_path()];
        let full = scan_paths(&paths);
        let versions = scan_paths_for(&paths, Fields::NameAndVersion);
        let map = |r: &ScanResult| -> Vec<(String, String)> {
            r.packages
                .iter()
                .map(|p| (p.name.clone(), p.version.clone()))
                .collect()
        };
        assert_eq!(
            map(&versions),
            [("legacy", "1.0"), ("old", "2.0"), ("pyyaml", "6.0.1")]
                .map(|(n, v)| (n.to_string(), v.to_string()))
        );
        assert_eq!(map(&versions), map(&full));
        let pyyaml = &versions.packages[2];
        assert_eq!(pyyaml.shadowed.len(), 1, "the second copy is still seen");
        assert!(pyyaml.installer.is_none() && pyyaml.requires_dist.is_empty());
        // The missing METADATA is still reported; the bad direct_url.json is never read.
        assert_eq!(reasons(&versions).len(), 1, "{:?}", versions.unreadable);
        assert_eq!(reasons(&full).len(), 2, "{:?}", full.unreadable);
    }

    #[test]
    fn direct_url_shapes() {
        assert_eq!(parse_direct_url(r#"{"url": "x"}"#), None);
        assert_eq!(parse_direct_url(r#"{"archive_info": {}}"#), None);
        assert_eq!(parse_direct_url(r#"{"url": 3, "archive_info": {}}"#), None);
        assert_eq!(parse_direct_url(r#"[]"#), None);
        assert_eq!(parse_direct_url(r#"{"url": "x", "dir_info": []}"#), None);
        let d = parse_direct_url(r#"{"url": "x", "dir_info": {"editable": "yes"}}"#).unwrap();
        assert!(!d.editable);
    }

    #[test]
    fn results_serialize_as_the_binding_returns_them() {
        let tmp = tempfile::tempdir().unwrap();
        dist_info(tmp.path(), "a", "1");
        let json = serde_json::to_value(scan(&[tmp.path()])).unwrap();
        assert_eq!(json["packages"][0]["kind"], "dist-info");
        assert_eq!(json["packages"][0]["name"], "a");
        assert!(json["packages"][0].get("shadowed").is_none());
        assert_eq!(json["unreadable"], serde_json::json!([]));
    }

    fn zipped_egg(path: &Path, pkg_info: Option<&str>, method: zip::CompressionMethod) {
        use std::io::Write;
        create_dir_all(path.parent().unwrap()).unwrap();
        let mut zip = zip::ZipWriter::new(File::create(path).unwrap());
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        zip.start_file("foo/__init__.py", options).unwrap();
        zip.write_all(b"x = 1\n").unwrap();
        if let Some(text) = pkg_info {
            zip.start_file("EGG-INFO/PKG-INFO", options).unwrap();
            zip.write_all(text.as_bytes()).unwrap();
        }
        zip.finish().unwrap();
    }

    #[test]
    fn zipped_eggs_are_read_once_however_they_are_reached() {
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path().join("site");
        let foo = site.join("foo-1.0-py3.11.egg");
        let bar = site.join("bar-2.0-py3.11.egg");
        let bad = site.join("bad-1.0-py3.11.egg");
        zipped_egg(
            &foo,
            Some("Name: foo\nVersion: 1.0\n\nbody\n"),
            zip::CompressionMethod::Deflated,
        );
        zipped_egg(
            &bar,
            Some("Name: bar\nVersion: 2.0\n"),
            zip::CompressionMethod::Stored,
        );
        zipped_egg(&bad, None, zip::CompressionMethod::Stored);
        // easy-install.pth puts each egg on sys.path after site-packages.
        let result = scan(&[&site, &foo, &bar, &bad]);
        let names: Vec<_> = result
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(names, [("bar", "2.0"), ("foo", "1.0")]);
        let at = site.to_string_lossy();
        assert!(result
            .packages
            .iter()
            .all(|p| p.kind == DistKind::Egg && p.location == at));
        assert_eq!(
            result.packages[1].metadata_path,
            foo.join("EGG-INFO").to_string_lossy()
        );
        assert_eq!(
            reasons(&result),
            [(
                bad.join("EGG-INFO").to_string_lossy().into_owned(),
                "no EGG-INFO/PKG-INFO file".to_string()
            )],
            "each egg once, and a readable one never"
        );
        // An egg on the path alone is its own location.
        let alone = scan(&[&foo]);
        assert_eq!(alone.packages[0].location, foo.to_string_lossy());
        assert!(alone.unreadable.is_empty());
    }

    #[test]
    fn legacy_editable_installs_are_editable() {
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path().join("site");
        let project = tmp.path().join("acme legacy");
        write(&project.join("setup.py"), "from setuptools import setup\n");
        write(
            &project.join("acme_legacy.egg-info/PKG-INFO"),
            "Name: acme-legacy\nVersion: 0.3\n",
        );
        write(
            &site.join("acme-legacy.egg-link"),
            format!("{}\n.\n", project.display()),
        );
        // A src layout: the egg-link names src/, which holds no project file.
        let src = tmp.path().join("other/src");
        write(
            &src.join("other.egg-info/PKG-INFO"),
            "Name: other\nVersion: 1\n",
        );
        write(&site.join("other.egg-link"), "../other/src\n..\n");
        write(&site.join("empty.egg-link"), "\n");
        // An installed egg-info in site-packages is no editable install.
        write(
            &site.join("plain-1.0.egg-info"),
            "Name: plain\nVersion: 1.0\n",
        );
        let check = |result: &ScanResult| {
            let editable: Vec<_> = result
                .packages
                .iter()
                .map(|p| (p.name.as_str(), p.direct_url.as_ref().map(|d| d.editable)))
                .collect();
            assert_eq!(
                editable,
                [
                    ("acme-legacy", Some(true)),
                    ("other", Some(true)),
                    ("plain", None)
                ]
            );
            // The URL names the directory the code is imported from.
            let url = &result.packages[0].direct_url.as_ref().unwrap().url;
            assert_eq!(url, &format!("file://{}", project.display()));
            let url = &result.packages[1].direct_url.as_ref().unwrap().url;
            assert!(url.ends_with("other/src"), "{url}");
            assert_eq!(
                reasons(result),
                [(
                    site.join("empty.egg-link").to_string_lossy().into_owned(),
                    ".egg-link names no project directory".to_string()
                )]
            );
        };
        // site-packages alone (snapshot --path), and as sys.path has it after
        // easy-install.pth, and with the project first (PYTHONPATH).
        check(&scan(&[&site]));
        check(&scan(&[&site, &project, &src]));
        check(&scan(&[&project, &site]));
        // A checkout on PYTHONPATH with no egg-link anywhere is still a develop install.
        let bare = scan(&[&project]);
        assert!(bare.packages[0]
            .direct_url
            .as_ref()
            .is_some_and(|d| d.editable));
    }

    /// A dist-info with a RECORD listing `files` (name, content), and those files written.
    fn recorded(site: &Path, name: &str, version: &str, files: &[(&str, &str)], write_files: bool) {
        let dir = dist_info(site, name, version);
        let mut record = String::new();
        for (file, content) in files {
            record.push_str(&format!("{file},sha256=x,{}\n", content.len()));
            if write_files {
                write(&site.join(file), content);
            }
        }
        record.push_str(&format!("{name}-{version}.dist-info/RECORD,,\n"));
        write(&dir.join("RECORD"), record);
    }

    #[test]
    fn two_metadata_folders_of_one_name_are_settled_by_record() {
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path();
        // pip install --target --upgrade: the new files replaced the old, both folders stay.
        recorded(
            site,
            "attrs",
            "23.2.0",
            &[("attrs/__init__.py", "old")],
            true,
        );
        recorded(
            site,
            "attrs",
            "24.2.0",
            &[("attrs/__init__.py", "newer")],
            true,
        );
        // Same sizes: RECORD cannot tell.
        recorded(site, "same", "1.0", &[("same.py", "aaa")], true);
        recorded(site, "same", "2.0", &[("same.py", "bbb")], true);
        let result = scan(&[site]);
        let attrs = &result.packages[0];
        assert_eq!(
            (attrs.version.as_str(), attrs.version_uncertain),
            ("24.2.0", false)
        );
        assert_eq!(attrs.same_directory.len(), 1);
        assert_eq!(attrs.same_directory[0].version, "23.2.0");
        assert!(
            attrs.shadowed.is_empty(),
            "not a shadowed copy: the same directory"
        );
        let same = &result.packages[1];
        assert_eq!(
            (same.version.as_str(), same.version_uncertain),
            ("1.0", true)
        );
        assert_eq!(same.same_directory[0].version, "2.0");
    }
}
