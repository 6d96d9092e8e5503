//! What an environment is: the serializable snapshot every other module reads.
//!
//! The JSON form is a contract (`genevars.snapshot/1`): snapshots saved today are diffed
//! next week, and probes of other genevars versions produce them on workers. Fields added
//! later must be optional (`#[serde(default)]`) so older files keep loading.

use std::collections::BTreeMap;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Weak};

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

/// The schema tag written into every snapshot.
pub const SNAPSHOT_SCHEMA: &str = "genevars.snapshot/1";
/// The major schema version this build reads; other majors are refused.
pub const SNAPSHOT_SCHEMA_MAJOR: u32 = 1;

/// One environment: an interpreter, its platform, its variables and its packages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub schema: String,
    /// Who produced it, and with which scanner.
    #[serde(default)]
    pub created_by: Creator,
    /// Where it was taken: a Ray node, a host, or nothing for a plain local snapshot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
    pub python: PythonInfo,
    pub platform: PlatformInfo,
    /// The PEP 508 marker environment of the interpreter.
    pub markers: Markers,
    pub cwd: String,
    /// Environment variables. Secret values are withheld at capture time.
    #[serde(deserialize_with = "env_map")]
    pub env: BTreeMap<String, EnvValue>,
    pub sys_path: Vec<String>,
    /// One entry per distribution name: the copy `import` loads.
    pub packages: Packages,
    /// Entries the scanner could not read, each with its reason.
    #[serde(default)]
    pub unreadable: Vec<Unreadable>,
    /// The genevars version importable in that environment, if any.
    #[serde(default)]
    pub genevars_version: Option<String>,
    /// The conda packages of the environment's prefix (`conda-meta/`), Python or not
    /// (ffmpeg, cudatoolkit, libstdcxx-ng); empty outside conda.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conda: Vec<CondaPackage>,
    /// GPUs and the NVIDIA driver the node has, when the probe found any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accelerators: Option<Accelerators>,
    /// Whether each credential file the driver uses exists and is readable here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credential_files: Vec<CredentialFile>,
}

/// One package of a conda prefix, as its `conda-meta/NAME-VERSION-BUILD.json` names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CondaPackage {
    pub name: String,
    pub version: String,
    #[serde(default)]
    pub build: String,
}

/// A credential file (or a file or directory a variable names), as the probe found it:
/// never its content, only a keyed fingerprint of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CredentialFile {
    /// `~/.aws/credentials`, or the variable naming the path (`GOOGLE_APPLICATION_CREDENTIALS`).
    pub name: String,
    /// Where it was looked for; None when the variable is unset there or withheld.
    #[serde(default)]
    pub path: Option<String>,
    /// The path is not recorded: the variable naming it looks secret.
    #[serde(default)]
    pub withheld: bool,
    #[serde(default)]
    pub exists: bool,
    #[serde(default)]
    pub readable: bool,
    #[serde(default)]
    pub size: Option<u64>,
    /// HMAC of the content under the comparison's key.
    #[serde(default)]
    pub fingerprint: Option<String>,
}

/// A node's accelerators, as the probe read them (no CUDA library is loaded for it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Accelerators {
    /// The NVIDIA kernel driver version, e.g. `550.54.15`.
    #[serde(default)]
    pub nvidia_driver: Option<String>,
    /// One model name per GPU, e.g. `NVIDIA H100 80GB HBM3`.
    #[serde(default)]
    pub gpus: Vec<String>,
    /// Where the facts came from: `nvidia-smi` or `/proc/driver/nvidia/version`.
    #[serde(default)]
    pub source: Option<String>,
    /// The node's accelerator resources as Ray schedules them (`GPU` = `8`,
    /// `accelerator_type:H100` = `1`), set by the driver from Ray's node table.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub ray_resources: std::collections::BTreeMap<String, String>,
}

/// The tool and scanner that produced a snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Creator {
    #[serde(default)]
    pub tool: String,
    #[serde(default)]
    pub version: String,
    /// `native` (the Rust scanner) or `python` (the stdlib probe).
    #[serde(default)]
    pub scanner: String,
}

/// Where a snapshot was taken. Transient: never part of an environment's fingerprint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    #[serde(default)]
    pub hostname: Option<String>,
    #[serde(default)]
    pub node_id: Option<String>,
    #[serde(default)]
    pub node_address: Option<String>,
    #[serde(default)]
    pub pid: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PythonInfo {
    /// `sys.version`, the full string with build date and compiler.
    pub version: String,
    pub version_info: VersionInfo,
    /// `platform.python_implementation()`, e.g. `CPython`.
    pub implementation: String,
    pub executable: String,
    /// The interpreter's ABI tag, e.g. `cp311`.
    #[serde(default)]
    pub abi_tag: String,
    /// Set when the interpreter was not asked (`snapshot --path` of another tree): how its
    /// Python was told. Absent when the interpreter described itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inferred: Option<Inferred>,
}

/// How a fact of a tree scanned without its interpreter was told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inferred {
    /// The evidence, in words: `path lib/python3.12`, `ABI tags cp312`, `--python-version`.
    pub from: String,
    /// False when nothing told it: the values are then placeholders (`unknown`) and
    /// comparisons say they cannot compare it. When true, only what the evidence gives is
    /// known (major.minor of Python; system and machine of the platform).
    pub known: bool,
}

impl Inferred {
    /// Whether `inferred` says the fact is unknown.
    pub fn is_unknown(inferred: &Option<Inferred>) -> bool {
        inferred.as_ref().is_some_and(|i| !i.known)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    pub major: u32,
    pub minor: u32,
    pub micro: u32,
    #[serde(default = "final_level")]
    pub releaselevel: String,
    #[serde(default)]
    pub serial: u32,
}

fn final_level() -> String {
    "final".to_string()
}

impl VersionInfo {
    /// `3.11.7`, or `3.13.0rc1` for a pre-release.
    pub fn dotted(&self) -> String {
        let base = format!("{}.{}.{}", self.major, self.minor, self.micro);
        match self.releaselevel.as_str() {
            "final" => base,
            "alpha" => format!("{base}a{}", self.serial),
            "beta" => format!("{base}b{}", self.serial),
            "candidate" => format!("{base}rc{}", self.serial),
            other => format!("{base}{other}{}", self.serial),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformInfo {
    /// `platform.system()`: `Linux`, `Darwin`, `Windows`.
    pub system: String,
    pub release: String,
    pub machine: String,
    #[serde(default)]
    pub processor: String,
    #[serde(default)]
    pub libc: Option<Libc>,
    /// As [`PythonInfo::inferred`], for the platform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inferred: Option<Inferred>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Libc {
    /// `glibc`, `musl`, ...
    pub family: String,
    pub version: String,
}

/// The PEP 508 marker environment, field for field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Markers {
    pub implementation_name: String,
    pub implementation_version: String,
    pub os_name: String,
    pub platform_machine: String,
    pub platform_python_implementation: String,
    pub platform_release: String,
    pub platform_system: String,
    pub platform_version: String,
    pub python_full_version: String,
    pub python_version: String,
    pub sys_platform: String,
}

impl Markers {
    /// The pep508_rs marker environment, for evaluating requirement markers.
    pub fn to_marker_environment(
        &self,
    ) -> Result<pep508_rs::MarkerEnvironment, pep440_rs::VersionParseError> {
        pep508_rs::MarkerEnvironment::try_from(pep508_rs::MarkerEnvironmentBuilder {
            implementation_name: &self.implementation_name,
            implementation_version: &self.implementation_version,
            os_name: &self.os_name,
            platform_machine: &self.platform_machine,
            platform_python_implementation: &self.platform_python_implementation,
            platform_release: &self.platform_release,
            platform_system: &self.platform_system,
            platform_version: &self.platform_version,
            python_full_version: &self.python_full_version,
            python_version: &self.python_version,
            sys_platform: &self.sys_platform,
        })
    }
}

/// An environment variable's value as recorded in a snapshot.
///
/// Serialized as a bare string when the value is plain, or as an object when it is
/// withheld, so that a snapshot file never holds a secret unless the user asked for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum EnvValue {
    Plain(String),
    Withheld(WithheldValue),
}

/// Only a string or an object: serde would read a list as a `WithheldValue` too, and a
/// list is never what a probe writes.
impl<'de> Deserialize<'de> for EnvValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EnvValueVisitor;
        impl<'de> Visitor<'de> for EnvValueVisitor {
            type Value = EnvValue;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a string or a withheld object {\"withheld\", \"fingerprint\", \"display\"}",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<EnvValue, E> {
                Ok(EnvValue::Plain(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<EnvValue, E> {
                Ok(EnvValue::Plain(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<EnvValue, A::Error> {
                WithheldValue::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(EnvValue::Withheld)
            }
        }
        deserializer.deserialize_any(EnvValueVisitor)
    }
}

/// The `env` map, whose errors name the variable (`env.API_KEY: ...`) and never quote
/// its value.
pub(crate) fn env_map<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, EnvValue>, D::Error> {
    struct EnvVisitor;
    impl<'de> Visitor<'de> for EnvVisitor {
        type Value = BTreeMap<String, EnvValue>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a map of variable names to values")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut env = BTreeMap::new();
            while let Some(key) = map.next_key::<String>()? {
                let value = map.next_value::<EnvValue>().map_err(|e| {
                    de::Error::custom(format_args!(
                        "env.{key}: {}",
                        super::serde_message::without_input(&e.to_string())
                    ))
                })?;
                env.insert(key, value);
            }
            Ok(env)
        }
    }
    deserializer.deserialize_map(EnvVisitor)
}

/// A value that was not recorded. `fingerprint` is an HMAC of the value under a key that
/// lives for one comparison only, so two fingerprints say whether values differ without
/// either value being stored; a snapshot saved without a key has none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithheldValue {
    /// Why: `secret` (the key looks secret) or `url-credentials` (the value holds them).
    pub withheld: String,
    #[serde(default)]
    pub fingerprint: Option<String>,
    /// A safe rendering, e.g. the URL with its credentials masked.
    #[serde(default)]
    pub display: Option<String>,
}

impl EnvValue {
    /// What may be shown to a person: the plain value, or a masked stand-in.
    pub fn display(&self) -> String {
        match self {
            EnvValue::Plain(v) => v.clone(),
            EnvValue::Withheld(w) => w
                .display
                .clone()
                .unwrap_or_else(|| crate::redact::WITHHELD.to_string()),
        }
    }
}

/// How a distribution is laid out on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DistKind {
    #[serde(rename = "dist-info")]
    DistInfo,
    #[serde(rename = "egg-info")]
    EggInfo,
    #[serde(rename = "egg")]
    Egg,
}

impl DistKind {
    /// The name the JSON form uses.
    pub fn as_str(self) -> &'static str {
        match self {
            DistKind::DistInfo => "dist-info",
            DistKind::EggInfo => "egg-info",
            DistKind::Egg => "egg",
        }
    }
}

/// A snapshot's package list, shared: snapshots of one list (a node's answer, the
/// driver's fresh snapshot of an unchanged environment) hold it once, since copying
/// thousands of packages costs as much as parsing them. It reads as the `Vec` it holds;
/// changing it copies the list first if another snapshot shares it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Packages(Arc<Vec<Package>>);

impl Packages {
    /// Whether both hold the very same list (then they are equal without comparing).
    pub fn shares(&self, other: &Packages) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// What tells this very list apart later, without keeping it alive.
    pub fn mark(&self) -> ListMark {
        ListMark(Arc::downgrade(&self.0))
    }
}

/// A [`Packages`] list's identity. While a mark is held, the list it marks never changes
/// in place: `Arc::make_mut` moves a list that has marks before changing it, so a list at
/// the marked address is the marked list, unchanged.
#[derive(Debug, Clone)]
pub struct ListMark(Weak<Vec<Package>>);

impl ListMark {
    /// Whether `packages` is the very list marked (equal, without comparing them).
    pub fn is(&self, packages: &Packages) -> bool {
        std::ptr::eq(self.0.as_ptr(), Arc::as_ptr(&packages.0))
    }
}

impl Deref for Packages {
    type Target = Vec<Package>;
    fn deref(&self) -> &Vec<Package> {
        &self.0
    }
}

impl DerefMut for Packages {
    fn deref_mut(&mut self) -> &mut Vec<Package> {
        Arc::make_mut(&mut self.0)
    }
}

impl From<Vec<Package>> for Packages {
    fn from(packages: Vec<Package>) -> Packages {
        Packages(Arc::new(packages))
    }
}

impl FromIterator<Package> for Packages {
    fn from_iter<I: IntoIterator<Item = Package>>(iter: I) -> Packages {
        Packages::from(iter.into_iter().collect::<Vec<_>>())
    }
}

impl<'a> IntoIterator for &'a Packages {
    type Item = &'a Package;
    type IntoIter = std::slice::Iter<'a, Package>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<'a> IntoIterator for &'a mut Packages {
    type Item = &'a mut Package;
    type IntoIter = std::slice::IterMut<'a, Package>;
    fn into_iter(self) -> Self::IntoIter {
        Arc::make_mut(&mut self.0).iter_mut()
    }
}

impl Serialize for Packages {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Packages {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Packages, D::Error> {
        Vec::deserialize(deserializer).map(Packages::from)
    }
}

/// One installed distribution: the copy `import` loads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// PEP 503 normalized name (`pyyaml`, `typing-extensions`).
    pub name: String,
    /// The name as its metadata spells it (`PyYAML`).
    pub display_name: String,
    /// The version string as written in the metadata (not normalized).
    pub version: String,
    /// The sys.path entry it was found in.
    pub location: String,
    /// The metadata directory or file (`.../numpy-1.26.4.dist-info`).
    pub metadata_path: String,
    pub kind: DistKind,
    /// The tool that installed it (INSTALLER), e.g. `pip`, `uv`, `conda`.
    #[serde(default)]
    pub installer: Option<String>,
    /// Where it came from, when not from an index (direct_url.json, PEP 610).
    #[serde(default)]
    pub direct_url: Option<DirectUrl>,
    #[serde(default)]
    pub requires_dist: Vec<String>,
    #[serde(default)]
    pub provides_extra: Vec<String>,
    #[serde(default)]
    pub requires_python: Option<String>,
    /// Later copies of the same name on sys.path, which `import` never loads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shadowed: Vec<ShadowedCopy>,
    /// Other metadata folders of the same name in the same directory as this one (left by
    /// `pip install --target --upgrade`): the files on disk belong to one of them only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub same_directory: Vec<ShadowedCopy>,
    /// What code imports it as (`yaml` for PyYAML): `top_level.txt`, else RECORD's
    /// top-level modules. Empty when neither says.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub import_names: Vec<String>,
    /// Set when `same_directory` is not empty and the RECORD files could not tell which
    /// folder's files are on disk: `version` is then a guess.
    #[serde(default, skip_serializing_if = "is_false")]
    pub version_uncertain: bool,
}

fn is_false(value: &bool) -> bool {
    !value
}

/// PEP 610 origin of a distribution installed from a URL, a directory or a VCS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectUrl {
    /// URL with any credentials masked.
    pub url: String,
    #[serde(default)]
    pub editable: bool,
    /// `dir`, `archive` or `vcs`.
    pub kind: String,
}

/// Another copy of a package (defined with the findings, which name such copies).
pub use crate::finding::ShadowedCopy;

/// Something the scanner could not read, and why. Never fatal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Unreadable {
    pub path: String,
    pub reason: String,
}

impl Snapshot {
    /// The package `import` would load under this (already normalized) name.
    pub fn package(&self, normalized_name: &str) -> Option<&Package> {
        self.packages.iter().find(|p| p.name == normalized_name)
    }

    /// Packages by normalized name.
    pub fn package_map(&self) -> BTreeMap<&str, &Package> {
        self.packages.iter().map(|p| (p.name.as_str(), p)).collect()
    }

    /// Whether this snapshot lists packages only (a lock file, a requirements file, `pip
    /// list` or `pip inspect` output): it has no variables or sys.path to compare.
    pub fn packages_only(&self) -> bool {
        matches!(self.created_by.scanner.as_str(), "declared" | "pip-inspect")
    }

    /// A short label for reports: the node id or hostname, else `snapshot`.
    pub fn label(&self) -> String {
        self.origin
            .as_ref()
            .and_then(|o| o.node_id.clone().or_else(|| o.hostname.clone()))
            .unwrap_or_else(|| "snapshot".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dist_kind_names_are_its_json_names() {
        for kind in [DistKind::DistInfo, DistKind::EggInfo, DistKind::Egg] {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
    }
}
