//! The secret-detection table, `secrets.toml` (what `redact` masks, and the stdlib probe
//! receives).

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The secret-detection table (`knowledge/secrets.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretRules {
    pub key_patterns: Vec<String>,
    pub key_exceptions: Vec<String>,
    /// Credentials inside a value: group `s` of each match is masked.
    pub url_patterns: Vec<String>,
    /// Secrets by their shape: a value holding one is withheld whole; inside other text
    /// the match (or its group `s`) is masked.
    pub value_patterns: Vec<String>,
}

const SECRETS_TOML: &str = include_str!("secrets.toml");

/// The bundled rules, parsed once.
pub fn secret_rules() -> &'static SecretRules {
    static RULES: OnceLock<SecretRules> = OnceLock::new();
    RULES.get_or_init(|| {
        toml::from_str(SECRETS_TOML).expect("knowledge/secrets.toml is valid (tested)")
    })
}
