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

use std::borrow::Cow;
use std::sync::OnceLock;

use hmac::{Hmac, Mac};
use regex::{Regex, RegexSet};
use sha2::Sha256;

pub use crate::knowledge::{secret_rules as rules, SecretRules};
use crate::knowledge::GlobSet;

/// What is shown in place of a withheld value.
pub const WITHHELD: &str = "<withheld>";
/// What replaces credentials inside a URL.
pub const MASK: &str = "***";
/// The prefix of every fingerprint, naming its algorithm.
pub const FINGERPRINT_PREFIX: &str = "hmac-sha256:";
/// Hex digits of the HMAC kept: 128 bits, plenty to tell values apart.
const FINGERPRINT_HEX_LEN: usize = 32;

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

/// The value patterns, the URL patterns first and then the shapes: all in one set (one
/// pass finds which of them match at all), and each alone to replace, compiled on its
/// first match (most processes never mask anything, and compiling each costs more than
/// the set).
struct Patterns {
    sources: Vec<&'static str>,
    each: Vec<OnceLock<Regex>>,
    all: RegexSet,
    /// Where the shapes start in `sources`.
    first_shape: usize,
}

const VALID: &str = "knowledge/secrets.toml patterns compile (tested)";

impl Patterns {
    fn regex(&self, i: usize) -> &Regex {
        self.each[i].get_or_init(|| Regex::new(self.sources[i]).expect(VALID))
    }
}

fn patterns() -> &'static Patterns {
    static PATTERNS: OnceLock<Patterns> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let r = rules();
        let sources: Vec<&'static str> = r
            .url_patterns
            .iter()
            .chain(&r.value_patterns)
            .map(String::as_str)
            .collect();
        Patterns {
            each: sources.iter().map(|_| OnceLock::new()).collect(),
            all: RegexSet::new(&sources).expect(VALID),
            first_shape: r.url_patterns.len(),
            sources,
        }
    })
}

/// True when a variable of this name holds a secret.
pub fn is_secret_key(name: &str) -> bool {
    let (patterns, exceptions) = key_globs();
    patterns.is_match(name) && !exceptions.is_match(name)
}

/// True when the value is a secret by its shape (a JWT, a PEM private key, JSON with a
/// password field, a token with a known prefix), whatever its variable is called.
pub fn is_secret_value(value: &str) -> bool {
    let p = patterns();
    p.all.matches(value).iter().any(|i| i >= p.first_shape)
}

/// True when a variable's value must be withheld whole: a secret name or a secret shape.
pub fn is_secret(name: &str, value: &str) -> bool {
    is_secret_key(name) || is_secret_value(value)
}

/// Masks credentials inside a value: URL userinfo (`scheme://user:pass@host`, and the
/// scheme-less `user:pass@host`), credential query parameters, webhook and conda channel
/// tokens, and secret-shaped tokens. Returns `None` when there was nothing to mask.
pub fn mask_credentials(value: &str) -> Option<String> {
    let p = patterns();
    let mut text = Cow::Borrowed(value);
    // Most texts match none; the others only some. A mask never makes a new match (tested).
    for i in p.all.matches(value).iter() {
        if let Cow::Owned(masked) = mask_matches(p.regex(i), &text) {
            text = Cow::Owned(masked);
        }
    }
    match text {
        Cow::Owned(masked) if masked != value => Some(masked),
        _ => None,
    }
}

/// Every match's group `s` (the whole match when the pattern has none) replaced by `MASK`.
fn mask_matches<'t>(re: &Regex, text: &'t str) -> Cow<'t, str> {
    let has_group = re.capture_names().any(|n| n == Some("s"));
    re.replace_all(text, |caps: &regex::Captures<'_>| {
        let whole = caps.get(0).expect("group 0 is the match");
        let secret = if has_group { caps.name("s") } else { Some(whole) };
        match secret {
            Some(s) => format!(
                "{}{MASK}{}",
                &text[whole.start()..s.start()],
                &text[s.end()..whole.end()]
            ),
            None => whole.as_str().to_string(),
        }
    })
}

/// Any text with its credentials masked: what every error message and free-form field
/// passes through before it leaves the core.
pub fn masked(text: &str) -> String {
    mask_credentials(text).unwrap_or_else(|| text.to_string())
}

/// What may be shown of a variable's value: withheld for a secret key, credentials
/// masked inside any other value.
pub fn display_value(key: &str, value: &str) -> String {
    if is_secret(key, value) {
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

    /// The cases the stdlib probe's masker is tested against too (tests/test_probe.py).
    fn cases() -> serde_json::Value {
        serde_json::from_str(include_str!("knowledge/secret_cases.json")).unwrap()
    }

    fn strings(v: &serde_json::Value) -> Vec<&str> {
        v.as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect()
    }

    #[test]
    fn secret_keys_are_recognized() {
        let cases = cases();
        for k in strings(&cases["secret_keys"]) {
            assert!(is_secret_key(k), "{k} should be secret");
        }
        for k in strings(&cases["plain_keys"]) {
            assert!(!is_secret_key(k), "{k} should not be secret");
        }
    }

    #[test]
    fn secret_values_are_recognized_by_shape() {
        let cases = cases();
        for v in strings(&cases["secret_values"]) {
            assert!(is_secret_value(v), "{v} should be secret");
            assert_eq!(display_value("INNOCENT", v), WITHHELD);
        }
        for v in strings(&cases["plain_values"]) {
            assert!(!is_secret_value(v), "{v} should not be secret");
        }
    }

    #[test]
    fn credentials_are_masked() {
        for case in cases()["masked"].as_array().unwrap() {
            let input = case[0].as_str().unwrap();
            let expected = case[1].as_str();
            assert_eq!(mask_credentials(input).as_deref(), expected, "{input}");
            // Masking is idempotent: a masked text has nothing left to mask.
            if let Some(m) = expected {
                assert_eq!(mask_credentials(m), None, "{m}");
            }
        }
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
