//! What kind of difference a finding is, as a type: each [`Code`] knows its category, the
//! report section that lists it, where its default severity is in the knowledge, whether
//! the fact behind it counts in a node's fingerprint, and what the fix does about it.
//! Every property is an exhaustive `match`, so a new code does not compile until each is
//! decided. In JSON a code is today's string (`version.major`, `only_local`, `drift.…`,
//! `rule.<id>`): the comparison contract does not change.

use std::fmt;

use serde::{Serialize, Serializer};

use super::Category;

/// Declares the fixed codes once: the enum, its text and category, and [`Code::FIXED`].
macro_rules! codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $text:literal, $category:ident;)*) => {
        /// What kind of difference a finding is (see the module documentation).
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum Code {
            $($(#[doc = $doc])* $variant,)*
            /// A known incompatibility fired: `rule.<id>` (the id is the rules file's).
            Rule(RuleCode),
            /// Node groups disagree: `drift.<code>`, the difference between group 0 and
            /// another group.
            Drift(Box<DriftCode>),
        }

        impl Code {
            /// Every code that is not a rule or a drift, in declaration order.
            pub const FIXED: &'static [Code] = &[$(Code::$variant),*];

            /// The text of a fixed code; None for rules and drift.
            fn fixed_text(&self) -> Option<&'static str> {
                match self {
                    $(Code::$variant => Some($text),)*
                    Code::Rule(_) | Code::Drift(_) => None,
                }
            }

            /// What the finding is about (the JSON's `category`).
            pub fn category(&self) -> Category {
                match self {
                    $(Code::$variant => Category::$category,)*
                    Code::Rule(_) => Category::Rule,
                    Code::Drift(inner) => inner.code.category(),
                }
            }

            /// One line saying what the code means (`genevars.list_codes()`).
            pub fn description(&self) -> &'static str {
                match self {
                    $(Code::$variant => concat!($($doc),*).trim_ascii(),)*
                    Code::Rule(_) => "A known incompatibility from a rules file fired (rule.<id>).",
                    Code::Drift(_) => "Node groups disagree about what the wrapped code says (drift.<code>).",
                }
            }
        }
    };
}

codes! {
    /// The Python implementation differs (CPython vs PyPy).
    PythonImplementation = "python.implementation", Python;
    /// The Python minor version differs.
    PythonMinor = "python.minor", Python;
    /// The Python patch version differs.
    PythonPatch = "python.patch", Python;
    /// The Python release level or serial differs.
    PythonRelease = "python.release", Python;
    /// The interpreter's ABI tag differs (free-threaded vs default build).
    PythonAbi = "python.abi", Python;
    /// One side's Python is unknown (a lock file or listing), so it was not compared.
    PythonUnknown = "python.unknown", Python;
    /// The operating system differs.
    PlatformSystem = "platform.system", Platform;
    /// The CPU architecture differs.
    PlatformMachine = "platform.machine", Platform;
    /// The C library (glibc or musl, or its version) differs.
    PlatformLibc = "platform.libc", Platform;
    /// One side's platform is unknown, so it was not compared.
    PlatformUnknown = "platform.unknown", Platform;
    /// A package's major version differs.
    VersionMajor = "version.major", Package;
    /// A package's minor version differs.
    VersionMinor = "version.minor", Package;
    /// A package's patch version differs.
    VersionPatch = "version.patch", Package;
    /// A package's pre-release differs.
    VersionPre = "version.pre", Package;
    /// A package's post-release differs.
    VersionPost = "version.post", Package;
    /// A package's dev release differs.
    VersionDev = "version.dev", Package;
    /// A package's local version label differs (torch +cpu vs +cu121).
    VersionLocal = "version.local", Package;
    /// A package's versions differ and are not PEP 440 versions (compared as text).
    VersionString = "version.string", Package;
    /// A package is installed locally only.
    PackageOnlyLocal = "only_local", Package;
    /// A package is installed remotely only.
    PackageOnlyRemote = "only_remote", Package;
    /// A package has copies on sys.path that `import` never loads.
    Shadowed = "shadowed", Package;
    /// Two metadata folders of one package in one directory.
    SameDirectory = "same_directory", Package;
    /// A conda (non-Python) package's version or build differs.
    CondaVersion = "conda.version", Package;
    /// A conda (non-Python) package is installed locally only.
    CondaOnlyLocal = "conda.only_local", Package;
    /// A conda (non-Python) package is installed remotely only.
    CondaOnlyRemote = "conda.only_remote", Package;
    /// A variable is set locally only.
    EnvOnlyLocal = "only_local", Env;
    /// A variable is set remotely only.
    EnvOnlyRemote = "only_remote", Env;
    /// A variable's value differs.
    ValueDiffers = "value_differs", Env;
    /// A variable that often changes what code does (PYTHONPATH, LD_LIBRARY_PATH) differs.
    ImportantDiffers = "important_differs", Env;
    /// A cloud credential's value differs.
    CredentialDiffers = "credential_differs", Env;
    /// A cloud credential is set locally but missing remotely.
    CredentialMissing = "credential_missing", Env;
    /// Both values are withheld as secret without a shared fingerprint: unknown whether they differ.
    CannotTell = "cannot_tell", Env;
    /// A variable holds a value of its own on each node (node identity, not compared).
    EnvPerNode = "per_node", Env;
    /// A sys.path entry is on the local side only.
    SysPathOnlyLocal = "only_local", SysPath;
    /// A sys.path entry is on the remote side only.
    SysPathOnlyRemote = "only_remote", SysPath;
    /// Each node has a sys.path entry of its own (node identity, not compared).
    SysPathPerNode = "per_node", SysPath;
    /// A sys.path entry or metadata folder could not be read.
    Unreadable = "unreadable", Unreadable;
    /// A selected node did not answer the probe.
    Unreachable = "unreachable", Unreachable;
    /// A selected node could not set up the runtime_env the probe was given.
    RuntimeEnv = "runtime_env", RuntimeEnv;
    /// genevars is importable locally only (the other side was read by the stdlib probe).
    GenevarsOnlyLocal = "genevars.only_local", Genevars;
    /// genevars's version differs.
    GenevarsVersion = "genevars.version", Genevars;
    /// The NVIDIA driver differs.
    AcceleratorDriver = "accelerator.driver", Accelerator;
    /// A package is built for a newer CUDA than the NVIDIA driver supports.
    AcceleratorDriverTooOld = "accelerator.driver_too_old", Accelerator;
    /// A CPU-only build of a package on a node with GPUs.
    AcceleratorCpuBuildOnGpu = "accelerator.cpu_build_on_gpu", Accelerator;
    /// A credential file the driver uses does not exist on the node.
    CredentialFileMissing = "credential_file.missing", CredentialFile;
    /// A credential file the driver uses cannot be read on the node.
    CredentialFileUnreadable = "credential_file.unreadable", CredentialFile;
    /// A credential file has other content on the node.
    CredentialFileDiffers = "credential_file.differs", CredentialFile;
    /// An installed version does not satisfy a Requires-Dist.
    RequirementUnsatisfied = "requirement.unsatisfied", Requirement;
    /// A required distribution is not installed.
    RequirementMissing = "requirement.missing", Requirement;
    /// A distribution requires another Python.
    RequirementRequiresPython = "requirement.requires_python", Requirement;
    /// A Requires-Dist line is not a valid requirement.
    RequirementInvalid = "requirement.invalid", Requirement;
    /// A distribution's version is not PEP 440, so its requirements cannot be checked.
    RequirementInvalidVersion = "requirement.invalid_version", Requirement;
    /// The driver's version of a package would not have its requirements met on the workers.
    RequirementUnsatisfiedOnWorkers = "requirement.unsatisfied.on_workers", Requirement;
    /// The driver's version of a package requires a distribution the workers lack.
    RequirementMissingOnWorkers = "requirement.missing.on_workers", Requirement;
    /// The requirements could not be checked at all (markers unknown).
    RequirementUnchecked = "requirement.unchecked", Requirement;
    /// A manifest pin's version cannot be told, so it is not checked.
    RequirementPinUnresolved = "requirement.pin_unresolved", Requirement;
    /// A manifest pin's version is installed on neither side: its own requirements are not checked.
    RequirementPinMetadataUnknown = "requirement.pin_metadata_unknown", Requirement;
    /// The manifest's pins break a requirement on the workers.
    RequirementManifestBreaks = "requirement.manifest_breaks", Requirement;
    /// The manifest's pins fix a broken requirement.
    RequirementManifestFixes = "requirement.manifest_fixes", Requirement;
}

/// Where a report lists findings of a code (the text report's sections; the JSON lists
/// every finding, the HTML every finding by severity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    /// PYTHON / PLATFORM: interpreter, platform, genevars, accelerators, credential files.
    Interpreter,
    /// ENV VARS: keys only in LOCAL.
    EnvOnlyLocal,
    /// ENV VARS: keys only in REMOTE.
    EnvOnlyRemote,
    /// ENV VARS: values differ.
    EnvValues,
    /// PACKAGES: version mismatches.
    PackageVersions,
    /// PACKAGES: only in LOCAL.
    PackageOnlyLocal,
    /// PACKAGES: only in REMOTE.
    PackageOnlyRemote,
    /// PACKAGES: shadowed copies.
    Shadowed,
    /// sys.path differences: only in LOCAL.
    SysPathOnlyLocal,
    /// sys.path differences: only in REMOTE.
    SysPathOnlyRemote,
    /// UNREADABLE entries.
    Unreadable,
    /// NODES: one line each (node failures, per-node identity).
    Nodes,
    /// DRIFT BETWEEN NODE GROUPS.
    Drift,
    /// The summary's list of errors and warnings, and the JSON, only: requirements, rules,
    /// conda packages, duplicate metadata folders.
    Summary,
}

impl Section {
    /// Every section, for listing and for tests.
    pub const ALL: &'static [Section] = &[
        Section::Interpreter,
        Section::EnvOnlyLocal,
        Section::EnvOnlyRemote,
        Section::EnvValues,
        Section::PackageVersions,
        Section::PackageOnlyLocal,
        Section::PackageOnlyRemote,
        Section::Shadowed,
        Section::SysPathOnlyLocal,
        Section::SysPathOnlyRemote,
        Section::Unreadable,
        Section::Nodes,
        Section::Drift,
        Section::Summary,
    ];

    /// Its name in `genevars.list_codes()`.
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Interpreter => "python_platform",
            Section::EnvOnlyLocal => "env_only_local",
            Section::EnvOnlyRemote => "env_only_remote",
            Section::EnvValues => "env_values",
            Section::PackageVersions => "package_versions",
            Section::PackageOnlyLocal => "package_only_local",
            Section::PackageOnlyRemote => "package_only_remote",
            Section::Shadowed => "shadowed",
            Section::SysPathOnlyLocal => "sys_path_only_local",
            Section::SysPathOnlyRemote => "sys_path_only_remote",
            Section::Unreadable => "unreadable",
            Section::Nodes => "nodes",
            Section::Drift => "drift",
            Section::Summary => "summary",
        }
    }
}

/// Which severity table of `knowledge/knowledge.toml` a code is looked up in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Critical,
    Package,
    Tooling,
    Python,
    Platform,
    Env,
    Other,
}

impl Table {
    /// Its name in `[severity.<name>]`.
    pub fn as_str(self) -> &'static str {
        match self {
            Table::Critical => "critical",
            Table::Package => "package",
            Table::Tooling => "tooling",
            Table::Python => "python",
            Table::Platform => "platform",
            Table::Env => "env",
            Table::Other => "other",
        }
    }
}

/// Where a code's default severity is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeverityKey {
    /// `[severity.<table>] <key>` in `knowledge/knowledge.toml`.
    Table(Table, &'static str),
    /// `<key>` in the package's table (`critical`, `tooling` or `package`), or the
    /// package's own override.
    PackageTable(&'static str),
    /// The rule `[<key>]` of `knowledge/accelerators.toml`.
    Accelerators(&'static str),
    /// The rule `[<key>]` of `knowledge/credential_files.toml`.
    CredentialFiles(&'static str),
    /// The requirement checker: an error for what the job imports, else a warning
    /// (`deps::severity_of`); manifest notes are informational.
    Requirements,
    /// The rule's own `severity` (`knowledge/rules.toml` or a user's rules file).
    Rule,
}

/// Where to look: `knowledge.toml [severity.env] only_local`.
impl fmt::Display for SeverityKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SeverityKey::Table(t, key) => {
                write!(f, "knowledge.toml [severity.{}] {key}", t.as_str())
            }
            SeverityKey::PackageTable(key) => write!(
                f,
                "knowledge.toml [severity.critical|package|tooling] {key} (or the package's own)"
            ),
            SeverityKey::Accelerators(key) => write!(f, "accelerators.toml [{key}]"),
            SeverityKey::CredentialFiles(key) => write!(f, "credential_files.toml [{key}]"),
            SeverityKey::Requirements => f.write_str(
                "the requirement checker (error where the job imports it, else warning)",
            ),
            SeverityKey::Rule => f.write_str("the rule's own severity"),
        }
    }
}

/// What the fix manifest (`ComparisonResult.fix_manifest()`) does about a finding of a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixAction {
    /// Pin the local version in the manifest's pip list.
    PinPackage,
    /// Pass the local variable to the workers by reference.
    PassVariable,
    /// Advise a matching worker image: a runtime_env cannot change the interpreter or OS.
    AdviseImage,
    /// Advise installing a conda package on the nodes (it is not a pip package).
    AdviseConda,
    /// Nothing: not something a runtime_env changes, or only noted.
    Nothing,
}

/// `rule.<id>`: the text is kept whole so that [`Code::as_str`] borrows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RuleCode(String);

impl RuleCode {
    /// The rule's id.
    pub fn id(&self) -> &str {
        &self.0["rule.".len()..]
    }
}

/// `drift.<code>`: the code found between two node groups, and its text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DriftCode {
    pub code: Code,
    text: String,
}

impl FixAction {
    pub fn as_str(self) -> &'static str {
        match self {
            FixAction::PinPackage => "pin_package",
            FixAction::PassVariable => "pass_variable",
            FixAction::AdviseImage => "advise_image",
            FixAction::AdviseConda => "advise_conda",
            FixAction::Nothing => "nothing",
        }
    }
}

impl Code {
    /// The code of the rule `id` firing.
    pub fn rule(id: &str) -> Code {
        Code::Rule(RuleCode(format!("rule.{id}")))
    }

    /// The code's text, as in JSON.
    pub fn as_str(&self) -> &str {
        match self {
            Code::Rule(rule) => &rule.0,
            Code::Drift(drift) => &drift.text,
            fixed => fixed.fixed_text().expect("a fixed code has a text"),
        }
    }

    /// Parses a code's text; `category` tells apart the codes one text names in several
    /// categories (`only_local` of a package, a variable, a sys.path entry).
    pub fn parse(text: &str, category: Category) -> Option<Code> {
        if let Some(inner) = text.strip_prefix("drift.") {
            return Code::parse(inner, category).map(Code::drift);
        }
        if let Some(id) = text.strip_prefix("rule.") {
            return (category == Category::Rule).then(|| Code::rule(id));
        }
        Code::FIXED
            .iter()
            .find(|c| c.fixed_text() == Some(text) && c.category() == category)
            .cloned()
    }

    /// Node groups disagree (`drift.*`).
    pub fn is_drift(&self) -> bool {
        matches!(self, Code::Drift(_))
    }

    /// Wraps a code found between two node groups.
    pub fn drift(self) -> Code {
        let text = format!("drift.{}", self.as_str());
        Code::Drift(Box::new(DriftCode { code: self, text }))
    }

    /// The rule's id, for `rule.<id>`.
    pub fn rule_id(&self) -> Option<&str> {
        match self {
            Code::Rule(rule) => Some(rule.id()),
            _ => None,
        }
    }

    /// Which section of a report lists it.
    pub fn section(&self) -> Section {
        use Code::*;
        match self {
            PythonImplementation
            | PythonMinor
            | PythonPatch
            | PythonRelease
            | PythonAbi
            | PythonUnknown
            | PlatformSystem
            | PlatformMachine
            | PlatformLibc
            | PlatformUnknown
            | GenevarsOnlyLocal
            | GenevarsVersion
            | AcceleratorDriver
            | AcceleratorDriverTooOld
            | AcceleratorCpuBuildOnGpu
            | CredentialFileMissing
            | CredentialFileUnreadable
            | CredentialFileDiffers => Section::Interpreter,
            VersionMajor | VersionMinor | VersionPatch | VersionPre | VersionPost | VersionDev
            | VersionLocal | VersionString => Section::PackageVersions,
            PackageOnlyLocal => Section::PackageOnlyLocal,
            PackageOnlyRemote => Section::PackageOnlyRemote,
            Shadowed => Section::Shadowed,
            EnvOnlyLocal | CredentialMissing => Section::EnvOnlyLocal,
            EnvOnlyRemote => Section::EnvOnlyRemote,
            ValueDiffers | ImportantDiffers | CredentialDiffers | CannotTell => Section::EnvValues,
            SysPathOnlyLocal => Section::SysPathOnlyLocal,
            SysPathOnlyRemote => Section::SysPathOnlyRemote,
            Unreadable => Section::Unreadable,
            Unreachable | RuntimeEnv | EnvPerNode | SysPathPerNode => Section::Nodes,
            Drift(_) => Section::Drift,
            SameDirectory
            | CondaVersion
            | CondaOnlyLocal
            | CondaOnlyRemote
            | RequirementUnsatisfied
            | RequirementMissing
            | RequirementRequiresPython
            | RequirementInvalid
            | RequirementInvalidVersion
            | RequirementUnsatisfiedOnWorkers
            | RequirementMissingOnWorkers
            | RequirementUnchecked
            | RequirementPinUnresolved
            | RequirementPinMetadataUnknown
            | RequirementManifestBreaks
            | RequirementManifestFixes
            | Rule(_) => Section::Summary,
        }
    }

    /// Where its default severity is decided. Drift findings keep the severity of the
    /// difference between the groups.
    pub fn severity_key(&self) -> SeverityKey {
        use Code::*;
        use SeverityKey as K;
        match self {
            PythonImplementation => K::Table(Table::Python, "python.implementation"),
            PythonMinor => K::Table(Table::Python, "python.minor"),
            PythonPatch => K::Table(Table::Python, "python.patch"),
            PythonRelease => K::Table(Table::Python, "python.release"),
            PythonAbi => K::Table(Table::Python, "python.abi"),
            PythonUnknown => K::Table(Table::Other, "python.unknown"),
            PlatformSystem => K::Table(Table::Platform, "platform.system"),
            PlatformMachine => K::Table(Table::Platform, "platform.machine"),
            PlatformLibc => K::Table(Table::Platform, "platform.libc"),
            PlatformUnknown => K::Table(Table::Other, "platform.unknown"),
            VersionMajor => K::PackageTable("version.major"),
            VersionMinor => K::PackageTable("version.minor"),
            VersionPatch => K::PackageTable("version.patch"),
            VersionPre => K::PackageTable("version.pre"),
            VersionPost => K::PackageTable("version.post"),
            VersionDev => K::PackageTable("version.dev"),
            VersionLocal => K::PackageTable("version.local"),
            VersionString => K::PackageTable("version.string"),
            PackageOnlyLocal => K::PackageTable("only_local"),
            PackageOnlyRemote => K::PackageTable("only_remote"),
            Shadowed => K::PackageTable("shadowed"),
            SameDirectory => K::Table(Table::Other, "same_directory"),
            CondaVersion => K::Table(Table::Other, "conda.version"),
            CondaOnlyLocal => K::Table(Table::Other, "conda.only_local"),
            CondaOnlyRemote => K::Table(Table::Other, "conda.only_remote"),
            EnvOnlyLocal => K::Table(Table::Env, "only_local"),
            EnvOnlyRemote => K::Table(Table::Env, "only_remote"),
            ValueDiffers => K::Table(Table::Env, "value_differs"),
            ImportantDiffers => K::Table(Table::Env, "important_differs"),
            CredentialDiffers => K::Table(Table::Env, "credential_differs"),
            CredentialMissing => K::Table(Table::Env, "credential_missing"),
            CannotTell => K::Table(Table::Env, "cannot_tell"),
            EnvPerNode => K::Table(Table::Env, "per_node"),
            SysPathOnlyLocal | SysPathOnlyRemote => K::Table(Table::Other, "sys_path"),
            SysPathPerNode => K::Table(Table::Other, "per_node"),
            Unreadable => K::Table(Table::Other, "unreadable"),
            Unreachable => K::Table(Table::Other, "unreachable"),
            RuntimeEnv => K::Table(Table::Other, "runtime_env"),
            GenevarsOnlyLocal | GenevarsVersion => K::Table(Table::Other, "genevars"),
            AcceleratorDriver => K::Accelerators("driver_differs"),
            AcceleratorDriverTooOld => K::Accelerators("driver_too_old"),
            AcceleratorCpuBuildOnGpu => K::Accelerators("cpu_build_on_gpu"),
            CredentialFileMissing => K::CredentialFiles("missing"),
            CredentialFileUnreadable => K::CredentialFiles("unreadable"),
            CredentialFileDiffers => K::CredentialFiles("differs"),
            RequirementUnsatisfied
            | RequirementMissing
            | RequirementRequiresPython
            | RequirementInvalid
            | RequirementInvalidVersion
            | RequirementUnsatisfiedOnWorkers
            | RequirementMissingOnWorkers
            | RequirementUnchecked
            | RequirementPinUnresolved
            | RequirementPinMetadataUnknown
            | RequirementManifestBreaks
            | RequirementManifestFixes => K::Requirements,
            Rule(_) => K::Rule,
            Drift(inner) => inner.code.severity_key(),
        }
    }

    /// Whether the fact behind the code is part of a node's environment fingerprint
    /// (`compare::fingerprint`): nodes that differ in it land in different groups.
    /// Requirement and rule findings follow from the packages, which count. Per-node
    /// identity, node failures and the facts the fingerprint leaves out (conda packages,
    /// duplicate metadata folders, unreadable entries, genevars itself) do not.
    pub fn counts_in_fingerprint(&self) -> bool {
        use Code::*;
        match self {
            PythonImplementation
            | PythonMinor
            | PythonPatch
            | PythonRelease
            | PythonAbi
            | PythonUnknown
            | PlatformSystem
            | PlatformMachine
            | PlatformLibc
            | PlatformUnknown
            | VersionMajor
            | VersionMinor
            | VersionPatch
            | VersionPre
            | VersionPost
            | VersionDev
            | VersionLocal
            | VersionString
            | PackageOnlyLocal
            | PackageOnlyRemote
            | Shadowed
            | EnvOnlyLocal
            | EnvOnlyRemote
            | ValueDiffers
            | ImportantDiffers
            | CredentialDiffers
            | CredentialMissing
            | CannotTell
            | SysPathOnlyLocal
            | SysPathOnlyRemote
            | AcceleratorDriver
            | AcceleratorDriverTooOld
            | AcceleratorCpuBuildOnGpu
            | CredentialFileMissing
            | CredentialFileUnreadable
            | CredentialFileDiffers
            | RequirementUnsatisfied
            | RequirementMissing
            | RequirementRequiresPython
            | RequirementInvalid
            | RequirementInvalidVersion
            | RequirementUnsatisfiedOnWorkers
            | RequirementMissingOnWorkers
            | RequirementUnchecked
            | Rule(_) => true,
            SameDirectory
            | CondaVersion
            | CondaOnlyLocal
            | CondaOnlyRemote
            | EnvPerNode
            | SysPathPerNode
            | Unreadable
            | Unreachable
            | RuntimeEnv
            | GenevarsOnlyLocal
            | GenevarsVersion
            | RequirementPinUnresolved
            | RequirementPinMetadataUnknown
            | RequirementManifestBreaks
            | RequirementManifestFixes => false,
            Drift(inner) => inner.code.counts_in_fingerprint(),
        }
    }

    /// What the fix manifest does about a finding of this code (when its severity is
    /// above `expected` and, for pins and variables, the local side has a value the
    /// remote lacks or differs from). Drift is group against group: nothing local to pin.
    pub fn fix_action(&self) -> FixAction {
        use Code::*;
        match self {
            VersionMajor | VersionMinor | VersionPatch | VersionPre | VersionPost | VersionDev
            | VersionLocal | VersionString | PackageOnlyLocal | PackageOnlyRemote
            | SameDirectory => FixAction::PinPackage,
            EnvOnlyLocal | CredentialMissing => FixAction::PassVariable,
            PythonImplementation | PythonMinor | PythonPatch | PythonRelease | PythonAbi
            | PythonUnknown | PlatformSystem | PlatformMachine | PlatformLibc | PlatformUnknown => {
                FixAction::AdviseImage
            }
            CondaVersion | CondaOnlyLocal | CondaOnlyRemote => FixAction::AdviseConda,
            Shadowed
            | EnvOnlyRemote
            | ValueDiffers
            | ImportantDiffers
            | CredentialDiffers
            | CannotTell
            | EnvPerNode
            | SysPathOnlyLocal
            | SysPathOnlyRemote
            | SysPathPerNode
            | Unreadable
            | Unreachable
            | RuntimeEnv
            | GenevarsOnlyLocal
            | GenevarsVersion
            | AcceleratorDriver
            | AcceleratorDriverTooOld
            | AcceleratorCpuBuildOnGpu
            | CredentialFileMissing
            | CredentialFileUnreadable
            | CredentialFileDiffers
            | RequirementUnsatisfied
            | RequirementMissing
            | RequirementRequiresPython
            | RequirementInvalid
            | RequirementInvalidVersion
            | RequirementUnsatisfiedOnWorkers
            | RequirementMissingOnWorkers
            | RequirementUnchecked
            | RequirementPinUnresolved
            | RequirementPinMetadataUnknown
            | RequirementManifestBreaks
            | RequirementManifestFixes
            | Rule(_)
            | Drift(_) => FixAction::Nothing,
        }
    }
}

impl Code {
    /// Every fixed code, a rule and every fixed code as drift: for exhaustive tests.
    #[cfg(test)]
    pub(crate) fn examples() -> Vec<Code> {
        let mut all = Code::FIXED.to_vec();
        all.push(Code::rule("numpy2-torch-before-2.3"));
        all.extend(Code::FIXED.iter().cloned().map(Code::drift));
        all
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Codes sort by their text, so reports keep today's order.
impl Ord for Code {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(&other.as_str())
    }
}

impl PartialOrd for Code {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// A code equals its JSON text (for tests and for reading findings back).
impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_from_its_text_and_category() {
        for code in Code::examples() {
            assert_eq!(
                Code::parse(code.as_str(), code.category()),
                Some(code.clone()),
                "{code}"
            );
        }
        assert_eq!(Code::parse("only_local", Category::Python), None);
        assert_eq!(Code::parse("rule.x", Category::Package), None);
    }

    #[test]
    fn texts_are_unique_within_a_category() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::FIXED {
            assert!(seen.insert((code.as_str(), code.category())), "{code}");
        }
    }

    #[test]
    fn every_code_has_a_description() {
        for code in Code::examples() {
            assert!(!code.description().is_empty(), "{code}");
        }
    }
}
