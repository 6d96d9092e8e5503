//! Container image references, checked against the OCI distribution grammar
//! (`[registry[:port]/]path[:tag][@digest]`).

use std::sync::OnceLock;

use regex::Regex;

use super::error::{ManifestError, Result};

/// The grammar of distribution/reference, anchored.
fn reference_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        let alnum = "[a-z0-9]+";
        let separator = "(?:[._]|__|[-]+)";
        let component = format!("{alnum}(?:{separator}{alnum})*");
        let domain_component = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
        let domain = format!(r"(?:{domain_component}(?:\.{domain_component})*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?");
        let tag = r"[\w][\w.-]{0,127}";
        let digest = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
        Regex::new(&format!(
            "^(?:(?P<domain>{domain})/)?(?P<path>{component}(?:/{component})*)(?::(?P<tag>{tag}))?(?:@(?P<digest>{digest}))?$"
        ))
        .expect("the image reference grammar compiles")
    })
}

/// Checks an image reference; `field` names the builder method in the error.
pub fn check_image(field: &'static str, value: &str) -> Result<()> {
    let bad = |reason: &str| ManifestError::InvalidImage {
        field,
        value: value.to_string(),
        reason: reason.to_string(),
    };
    if value.is_empty() {
        return Err(bad("it is empty"));
    }
    if value.contains("://") {
        return Err(bad("an image reference has no scheme (drop 'https://')"));
    }
    if value.chars().any(char::is_whitespace) {
        return Err(bad("it contains whitespace"));
    }
    let Some(caps) = reference_pattern().captures(value) else {
        let name = value.split(['@', ':']).next().unwrap_or(value);
        if name.chars().any(|c| c.is_ascii_uppercase()) && !value.contains('/') {
            return Err(bad("repository names must be lowercase"));
        }
        return Err(bad(
            "it does not match [registry[:port]/]name[:tag][@digest]",
        ));
    };
    let name_len = caps.name("domain").map_or(0, |d| d.len() + 1) + caps["path"].len();
    if name_len > 255 {
        return Err(bad("the name is longer than 255 characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_references() {
        for ok in [
            "rayproject/ray:2.40.0-py311",
            "ubuntu",
            "myregistry.example.com/my-custom-worker-image:latest",
            "localhost:5000/team/worker",
            "registry.example.com:5000/a/b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "ghcr.io/org/img:v1.2_3",
        ] {
            check_image("worker_image", ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
    }

    #[test]
    fn refuses_non_references() {
        for bad in [
            "",
            "https://ghcr.io/x",
            "Ubuntu",
            "img:",
            "img:tag:tag",
            "a b",
            "img@sha256:12",
            "-img",
            "img:-tag",
        ] {
            let err = check_image("head_image", bad).unwrap_err().to_string();
            assert!(err.starts_with("head_image '"), "{bad}: {err}");
        }
    }
}
