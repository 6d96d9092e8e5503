//! How two version strings of one package differ, under PEP 440.

use std::cmp::Ordering;
use std::str::FromStr;

use pep440_rs::Version;

use crate::finding::Code;

/// The most significant part in which two versions differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VersionChange {
    /// Equal under PEP 440 (`5.0` and `5.0.0`).
    Equal,
    /// Epoch or first release number (`1.26.4` → `2.2.6`).
    Major,
    /// Second release number.
    Minor,
    /// Any later release number.
    Patch,
    /// Pre-release part (`2.0.0rc1` vs `2.0.0`).
    Pre,
    /// Post-release part.
    Post,
    /// Dev-release part.
    Dev,
    /// Only the local label (`2.3.1+cpu` vs `2.3.1+cu121`).
    Local,
    /// At least one side is not a PEP 440 version: compared as text.
    String,
}

impl VersionChange {
    /// The finding code: `version.major`, `version.local`, ...; none when equal.
    pub fn code(self) -> Option<Code> {
        Some(match self {
            VersionChange::Equal => return None,
            VersionChange::Major => Code::VersionMajor,
            VersionChange::Minor => Code::VersionMinor,
            VersionChange::Patch => Code::VersionPatch,
            VersionChange::Pre => Code::VersionPre,
            VersionChange::Post => Code::VersionPost,
            VersionChange::Dev => Code::VersionDev,
            VersionChange::Local => Code::VersionLocal,
            VersionChange::String => Code::VersionString,
        })
    }

    /// How it reads in a message: "major version differs".
    pub fn describe(self) -> &'static str {
        match self {
            VersionChange::Equal => "versions are equal",
            VersionChange::Major => "major version differs",
            VersionChange::Minor => "minor version differs",
            VersionChange::Patch => "patch version differs",
            VersionChange::Pre => "pre-release differs",
            VersionChange::Post => "post-release differs",
            VersionChange::Dev => "dev release differs",
            VersionChange::Local => "local version label differs",
            VersionChange::String => "versions differ (not PEP 440 versions, compared as text)",
        }
    }
}

/// A classified difference: what changed and which side is newer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionDiff {
    pub change: VersionChange,
    /// `Greater` when the remote version is newer; `None` when not comparable.
    pub remote_vs_local: Option<Ordering>,
}

/// Classifies the difference between two version strings. Identical strings never
/// reach the parser, so comparing two large, mostly equal environments stays cheap.
pub fn classify(local: &str, remote: &str) -> VersionDiff {
    if local == remote {
        return VersionDiff {
            change: VersionChange::Equal,
            remote_vs_local: Some(Ordering::Equal),
        };
    }
    let (Ok(l), Ok(r)) = (
        Version::from_str(local.trim()),
        Version::from_str(remote.trim()),
    ) else {
        let equal = local.trim().eq_ignore_ascii_case(remote.trim());
        return VersionDiff {
            change: if equal {
                VersionChange::Equal
            } else {
                VersionChange::String
            },
            remote_vs_local: None,
        };
    };
    let ordering = r.cmp(&l);
    VersionDiff {
        change: change_between(&l, &r),
        remote_vs_local: Some(ordering),
    }
}

fn change_between(l: &Version, r: &Version) -> VersionChange {
    if l == r {
        return VersionChange::Equal;
    }
    if l.epoch() != r.epoch() {
        return VersionChange::Major;
    }
    // Release numbers compare zero-padded: 5.0 and 5.0.0 are the same release.
    let part = |v: &Version, i: usize| v.release().get(i).copied().unwrap_or(0);
    let len = l.release().len().max(r.release().len());
    if part(l, 0) != part(r, 0) {
        return VersionChange::Major;
    }
    if part(l, 1) != part(r, 1) {
        return VersionChange::Minor;
    }
    if (2..len).any(|i| part(l, i) != part(r, i)) {
        return VersionChange::Patch;
    }
    if l.pre() != r.pre() {
        return VersionChange::Pre;
    }
    if l.post() != r.post() {
        return VersionChange::Post;
    }
    if l.dev() != r.dev() {
        return VersionChange::Dev;
    }
    VersionChange::Local
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(a: &str, b: &str) -> VersionChange {
        classify(a, b).change
    }

    #[test]
    fn pep440_equality() {
        assert_eq!(change("5.0", "5.0.0"), VersionChange::Equal);
        assert_eq!(change("1.0.0", "1"), VersionChange::Equal);
        assert_eq!(change("1.0RC1", "1.0rc1"), VersionChange::Equal);
        assert_eq!(change("1.0-post1", "1.0.post1"), VersionChange::Equal);
        assert_eq!(change("v2.0", "2.0"), VersionChange::Equal);
    }

    #[test]
    fn release_parts() {
        assert_eq!(change("1.26.4", "2.2.6"), VersionChange::Major);
        assert_eq!(change("1!1.0", "1.0"), VersionChange::Major);
        assert_eq!(change("2.0.1", "2.8.0"), VersionChange::Minor);
        assert_eq!(change("1.26.4", "1.26.3"), VersionChange::Patch);
        assert_eq!(change("1.26", "1.26.0.1"), VersionChange::Patch);
    }

    #[test]
    fn pre_post_dev_and_local() {
        assert_eq!(change("2.0.0rc1", "2.0.0"), VersionChange::Pre);
        assert_eq!(change("2.0.0a1", "2.0.0b1"), VersionChange::Pre);
        assert_eq!(change("1.0", "1.0.post2"), VersionChange::Post);
        assert_eq!(change("1.0.dev3", "1.0"), VersionChange::Dev);
        assert_eq!(change("2.3.1+cpu", "2.3.1+cu121"), VersionChange::Local);
        assert_eq!(change("2.3.1", "2.3.1+cu121"), VersionChange::Local);
        // A release difference outranks a label difference.
        assert_eq!(change("2.0.1+cpu", "2.8.0+cu121"), VersionChange::Minor);
    }

    #[test]
    fn non_pep440_versions_are_compared_as_text() {
        assert_eq!(
            change("2023.10.a-custom", "2023.11.b-custom"),
            VersionChange::String
        );
        assert_eq!(
            change("weird_version", "WEIRD_VERSION"),
            VersionChange::Equal
        );
        assert_eq!(classify("weird", "1.0").remote_vs_local, None);
    }

    #[test]
    fn direction() {
        assert_eq!(
            classify("1.26.4", "2.2.6").remote_vs_local,
            Some(Ordering::Greater)
        );
        assert_eq!(
            classify("2.2.6", "1.26.4").remote_vs_local,
            Some(Ordering::Less)
        );
    }
}
