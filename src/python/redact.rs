//! Bindings for the secret rules, so Python code (and the stdlib probe, which receives the
//! table as data) applies exactly the rules the core applies.

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::redact;

/// The secret-detection table: `key_patterns`, `key_exceptions`, `url_patterns`,
/// `value_patterns`.
#[pyfunction]
fn secret_rules(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let rules = redact::rules();
    let dict = PyDict::new(py);
    dict.set_item("key_patterns", &rules.key_patterns)?;
    dict.set_item("key_exceptions", &rules.key_exceptions)?;
    dict.set_item("url_patterns", &rules.url_patterns)?;
    dict.set_item("value_patterns", &rules.value_patterns)?;
    Ok(dict)
}

/// True when a variable of this name holds a secret.
#[pyfunction]
fn is_secret_key(name: &str) -> bool {
    redact::is_secret_key(name)
}

/// True when the value is a secret by its shape (JWT, PEM private key, known token prefix,
/// JSON with a password field), whatever its variable is called.
#[pyfunction]
fn is_secret_value(value: &str) -> bool {
    redact::is_secret_value(value)
}

/// The value with URL credentials masked (unchanged when there are none).
#[pyfunction]
fn mask_credentials(value: &str) -> String {
    redact::mask_credentials(value).unwrap_or_else(|| value.to_string())
}

/// What may be shown of a variable's value: withheld for a secret key, else masked.
#[pyfunction]
fn display_value(key: &str, value: &str) -> String {
    redact::display_value(key, value)
}

/// `hmac-sha256:<32 hex>` of `value` under `key`.
#[pyfunction]
fn fingerprint(key: &[u8], value: &str) -> String {
    redact::fingerprint(key, value)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(secret_rules, m)?)?;
    m.add_function(wrap_pyfunction!(is_secret_key, m)?)?;
    m.add_function(wrap_pyfunction!(is_secret_value, m)?)?;
    m.add_function(wrap_pyfunction!(mask_credentials, m)?)?;
    m.add_function(wrap_pyfunction!(display_value, m)?)?;
    m.add_function(wrap_pyfunction!(fingerprint, m)?)?;
    m.add("WITHHELD", redact::WITHHELD)?;
    Ok(())
}
