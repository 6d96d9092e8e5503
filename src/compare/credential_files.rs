//! Credential files per node: a file the driver uses (an AWS profile, a key file named by
//! GOOGLE_APPLICATION_CREDENTIALS, a CA bundle) that a node lacks or cannot read. Texts
//! and severities are data (`knowledge/credential_files.toml`).

use crate::finding::{Code, Finding};
use crate::snapshot::{CredentialFile, Snapshot};

use crate::knowledge::{credential_files as rules, HintVars};

fn shown(f: &CredentialFile) -> String {
    match (&f.path, f.withheld) {
        (Some(path), _) => path.clone(),
        (None, true) => "path withheld".to_string(),
        (None, false) => "not set".to_string(),
    }
}

/// Findings for the credential files present and readable locally: missing, unreadable
/// or (by fingerprint) different on the remote side. A remote snapshot that did not check
/// a file (an older probe) says nothing about it.
pub(crate) fn findings(local: &Snapshot, remote: &Snapshot) -> Vec<Finding> {
    let r = rules();
    let mut out = Vec::new();
    for mine in local
        .credential_files
        .iter()
        .filter(|f| f.exists && f.readable)
    {
        let Some(theirs) = remote.credential_files.iter().find(|f| f.name == mine.name) else {
            continue;
        };
        let (rule, code, message) = if !theirs.exists {
            (
                &r.missing,
                Code::CredentialFileMissing,
                format!(
                    "{} exists locally ({}) but not on the node ({})",
                    mine.name,
                    shown(mine),
                    shown(theirs)
                ),
            )
        } else if !theirs.readable {
            (
                &r.unreadable,
                Code::CredentialFileUnreadable,
                format!(
                    "{} exists on the node but cannot be read there ({})",
                    mine.name,
                    shown(theirs)
                ),
            )
        } else if matches!((&mine.fingerprint, &theirs.fingerprint), (Some(a), Some(b)) if a != b) {
            (
                &r.differs,
                Code::CredentialFileDiffers,
                format!("{} has other content on the node than locally", mine.name),
            )
        } else {
            continue;
        };
        let vars = HintVars {
            name: &mine.name,
            ..Default::default()
        };
        let fill = |t: &str| crate::knowledge::fill(t, vars);
        out.push(
            Finding::new(
                rule.severity,
                code,
                mine.name.clone(),
                message,
            )
            .values(Some(shown(mine)), Some(shown(theirs)))
            .hint(Some(format!(
                "{}; {}",
                fill(&rule.symptom),
                fill(&rule.fix)
            ))),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::testutil::snapshot;
    use crate::compare::Severity;

    fn file(
        name: &str,
        path: Option<&str>,
        exists: bool,
        readable: bool,
        fp: Option<&str>,
    ) -> CredentialFile {
        CredentialFile {
            name: name.into(),
            path: path.map(str::to_string),
            withheld: false,
            exists,
            readable,
            size: exists.then_some(116),
            fingerprint: fp.map(str::to_string),
        }
    }

    #[test]
    fn a_file_missing_unreadable_or_different_on_the_node_is_found() {
        let mut local = snapshot();
        local.credential_files = vec![
            file(
                "~/.aws/credentials",
                Some("/Users/me/.aws/credentials"),
                true,
                true,
                Some("hmac-sha256:aa"),
            ),
            file(
                "GOOGLE_APPLICATION_CREDENTIALS",
                Some("/Users/me/key.json"),
                true,
                true,
                Some("hmac-sha256:bb"),
            ),
            file(
                "SSL_CERT_FILE",
                Some("/etc/ca.pem"),
                true,
                true,
                Some("hmac-sha256:cc"),
            ),
            file(
                "~/.netrc",
                Some("/Users/me/.netrc"),
                true,
                true,
                Some("hmac-sha256:dd"),
            ),
            file(
                "~/.aws/config",
                Some("/Users/me/.aws/config"),
                false,
                false,
                None,
            ),
        ];
        let mut remote = snapshot();
        remote.credential_files = vec![
            file(
                "~/.aws/credentials",
                Some("/home/ray/.aws/credentials"),
                false,
                false,
                None,
            ),
            file("GOOGLE_APPLICATION_CREDENTIALS", None, false, false, None),
            file("SSL_CERT_FILE", Some("/etc/ca.pem"), true, false, None),
            file(
                "~/.netrc",
                Some("/home/ray/.netrc"),
                true,
                true,
                Some("hmac-sha256:ee"),
            ),
            file(
                "~/.aws/config",
                Some("/home/ray/.aws/config"),
                false,
                false,
                None,
            ),
        ];
        let f = findings(&local, &remote);
        let got: Vec<(&str, Code, Severity)> = f
            .iter()
            .map(|f| (f.subject.as_str(), f.code.clone(), f.severity))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "~/.aws/credentials",
                    Code::CredentialFileMissing,
                    Severity::Warning
                ),
                (
                    "GOOGLE_APPLICATION_CREDENTIALS",
                    Code::CredentialFileMissing,
                    Severity::Warning
                ),
                (
                    "SSL_CERT_FILE",
                    Code::CredentialFileUnreadable,
                    Severity::Warning
                ),
                ("~/.netrc", Code::CredentialFileDiffers, Severity::Info),
            ]
        );
        assert!(f[0]
            .hint
            .as_deref()
            .unwrap()
            .contains("put ~/.aws/credentials on every node"));
        assert!(f[1].message.ends_with("(not set)"), "{}", f[1].message);
        let mut withheld = local.clone();
        withheld.credential_files[1].path = None;
        withheld.credential_files[1].withheld = true;
        let f = findings(&withheld, &remote);
        assert!(
            f[1].message.contains("exists locally (path withheld)"),
            "{}",
            f[1].message
        );
        // A node snapshot from a probe that checked nothing: no findings.
        assert!(findings(&local, &snapshot()).is_empty());
    }
}
