//! What is a secret, and how it is kept out of every output.
//!
//! Two kinds of secret: the value of a variable whose *name* looks secret
//! (`AWS_SECRET_ACCESS_KEY`), and credentials *inside* a value (`https://user:pass@host`,
//! `?X-Amz-Signature=...`). The patterns live in `knowledge/secrets.toml`; the stdlib
//! probe receives the same table from the driver, so both sides agree.
//!
//! Whether two withheld values differ is decided by keyed fingerprints:
//! `hmac-sha256:<hex>` of the value under a key made for one comparison, so no stable
//! hash of a secret is ever stored.

use std::sync::OnceLock;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::knowledge::GlobSet;

/// What is shown in place of a withheld value.
pub const WITHHELD: &str = "<withheld>";
/// What replaces credentials inside a URL.
pub const MASK: &str = "***";
/// The prefix of every fingerprint, naming its algorithm.
pub const FINGERPRINT_PREFIX: &str = "hmac-sha256:";
/// Hex digits of the HMAC kept: 128 bits, plenty to tell values apart.
const FINGERPRINT_HEX_LEN: usize = 32;

/// The secret-detection table (`knowledge/secrets.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretRules {
    pub key_patterns: Vec<String>,
    pub key_exceptions: Vec<String>,
    pub url_query_params: Vec<String>,
}

const SECRETS_TOML: &str = include_str!("knowledge/secrets.toml");

/// The bundled rules, parsed once.
pub fn rules() -> &'static SecretRules {
    static RULES: OnceLock<SecretRules> = OnceLock::new();
    RULES.get_or_init(|| {
        toml::from_str(SECRETS_TOML).expect("knowledge/secrets.toml is valid (tested)")
    })
}

/// The key patterns compiled once (case-insensitive).
fn key_globs() -> &'static (GlobSet, GlobSet) {
    static GLOBS: OnceLock<(GlobSet, GlobSet)> = OnceLock::new();
    GLOBS.get_or_init(|| {
        let r = rules();
        (
            GlobSet::new(&r.key_patterns, true),
            GlobSet::new(&r.key_exceptions, true),
        )
    })
}

/// True when a variable of this name holds a secret.
pub fn is_secret_key(name: &str) -> bool {
    let (patterns, exceptions) = key_globs();
    patterns.is_match(name) && !exceptions.is_match(name)
}

/// Masks credentials inside a value: the userinfo of every `scheme://user:pass@host`
/// and the values of credential-bearing query parameters. Returns `None` when there
/// was nothing to mask.
pub fn mask_credentials(value: &str) -> Option<String> {
    let mut out = String::with_capacity(value.len());
    let mut changed = false;
    let mut rest = value;
    while let Some(pos) = rest.find("://") {
        let (head, tail) = rest.split_at(pos + 3);
        out.push_str(head);
        // The authority ends at the first '/', '?', '#' or whitespace.
        let end = tail
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace())
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        if let Some(at) = authority.rfind('@') {
            out.push_str(MASK);
            out.push_str(&authority[at..]);
            changed = true;
        } else {
            out.push_str(authority);
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    let (masked, query_changed) = mask_query_params(&out);
    if changed || query_changed {
        Some(masked)
    } else {
        None
    }
}

/// Masks `name=value` pairs after a `?` or `&` whose name is credential-bearing.
fn mask_query_params(text: &str) -> (String, bool) {
    let params = &rules().url_query_params;
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut last = 0;
    for (i, c) in text.char_indices() {
        // A separator inside a value already masked belongs to that value.
        if (c != '?' && c != '&') || i < last {
            continue;
        }
        let start = i + 1;
        let Some(eq_rel) = text[start..].find('=') else {
            continue;
        };
        let name = &text[start..start + eq_rel];
        if name.is_empty() || name.contains(|ch: char| ch == '&' || ch == '?' || ch.is_whitespace())
        {
            continue;
        }
        if !params.iter().any(|p| p.eq_ignore_ascii_case(name)) {
            continue;
        }
        let value_start = start + eq_rel + 1;
        let value_end = text[value_start..]
            .find(|ch: char| ch == '&' || ch == '#' || ch.is_whitespace())
            .map_or(text.len(), |e| value_start + e);
        if value_end > value_start {
            out.push_str(&text[last..value_start]);
            out.push_str(MASK);
            last = value_end;
            changed = true;
        }
    }
    out.push_str(&text[last..]);
    (out, changed)
}

/// What may be shown of a variable's value: withheld for a secret key, credentials
/// masked inside any other value.
pub fn display_value(key: &str, value: &str) -> String {
    if is_secret_key(key) {
        WITHHELD.to_string()
    } else {
        mask_credentials(value).unwrap_or_else(|| value.to_string())
    }
}

/// The keyed fingerprint of a value: `hmac-sha256:` and the first 32 hex digits.
/// The stdlib probe computes the same with `hmac.new(key, value, "sha256")`.
pub fn fingerprint(key: &[u8], value: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(value.as_bytes());
    let digest = hex::encode(mac.finalize().into_bytes());
    format!("{FINGERPRINT_PREFIX}{}", &digest[..FINGERPRINT_HEX_LEN])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys_are_recognized() {
        for k in [
            "AWS_SECRET_ACCESS_KEY",
            "AWS_ACCESS_KEY_ID",
            "MY_API_KEY",
            "github_token",
            "DB_PASSWORD",
            "GOOGLE_APPLICATION_CREDENTIALS",
            "HF_TOKEN",
            "SENTRY_DSN",
        ] {
            assert!(is_secret_key(k), "{k} should be secret");
        }
        for k in [
            "PATH",
            "HOME",
            "PYTHONPATH",
            "RAY_ADDRESS",
            "TOKENIZERS_PARALLELISM",
            "SSH_AUTH_SOCK",
        ] {
            assert!(!is_secret_key(k), "{k} should not be secret");
        }
    }

    #[test]
    fn url_credentials_are_masked() {
        assert_eq!(
            mask_credentials("https://user:hunter2@pypi.example.com/simple").as_deref(),
            Some("https://***@pypi.example.com/simple")
        );
        assert_eq!(
            mask_credentials("s3://bucket/key?X-Amz-Signature=abc123&x=1").as_deref(),
            Some("s3://bucket/key?X-Amz-Signature=***&x=1")
        );
        assert_eq!(
            mask_credentials("a https://t@h/x and http://u:p@g/y").as_deref(),
            Some("a https://***@h/x and http://***@g/y")
        );
        assert_eq!(
            mask_credentials("https://x/?token=a?key=bb&x").as_deref(),
            Some("https://x/?token=***&x")
        );
        assert_eq!(mask_credentials("https://pypi.org/simple"), None);
        assert_eq!(mask_credentials("/usr/bin:/bin"), None);
    }

    #[test]
    fn fingerprints_are_keyed_and_stable() {
        let a = fingerprint(b"k1", "value");
        assert_eq!(a, fingerprint(b"k1", "value"));
        assert_ne!(a, fingerprint(b"k2", "value"));
        assert_ne!(a, fingerprint(b"k1", "other"));
        assert!(a.starts_with(FINGERPRINT_PREFIX));
        assert_eq!(a.len(), FINGERPRINT_PREFIX.len() + 32);
        // Known answer, as Python computes it: hmac.new(b"k", b"v", "sha256").hexdigest()[:32].
        assert_eq!(
            fingerprint(b"k", "v"),
            "hmac-sha256:c5d4be1992d50d3b41f9a21292fc67a2"
        );
    }
}
