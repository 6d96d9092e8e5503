//! Writing snapshot JSON text straight from a scan, without building the packages as any
//! intermediate value (Python dicts, `serde_json::Value`).
//!
//! The caller supplies the rest of the snapshot (schema, created_by, python, platform,
//! markers, cwd, env, sys_path, ...) as a JSON object, whose key order is kept, nested
//! objects included: the output is what `json.dumps(snapshot, indent=N, ensure_ascii=False)`
//! writes for the same dict (both escape the same characters the same way). The scan's
//! `packages` and `unreadable` are written where the caller's object has those keys (their
//! values there are placeholders), or after its last key.
//!
//! ```
//! use genevars::snapshot::{scan::ScanResult, write::snapshot_json};
//! let parts = r#"{"schema": "genevars.snapshot/1", "packages": null, "unreadable": null, "cwd": "/"}"#;
//! let text = snapshot_json(parts, &ScanResult::default(), Some(2)).unwrap();
//! assert_eq!(text, "{\n  \"schema\": \"genevars.snapshot/1\",\n  \"packages\": [],\n  \"unreadable\": [],\n  \"cwd\": \"/\"\n}");
//! ```

use std::fmt;
use std::io;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::ser::PrettyFormatter;
use thiserror::Error;

use super::scan::ScanResult;

/// Why the snapshot text could not be written.
#[derive(Debug, Error)]
pub enum WriteError {
    #[error("snapshot parts: not valid JSON: {0}")]
    Syntax(serde_json::Error),
    #[error("snapshot parts: the top level must be a JSON object, not {0}")]
    NotAnObject(&'static str),
    #[error("snapshot parts: the key {0:?} appears more than once; give each field once")]
    DuplicateKey(String),
    #[error("cannot write snapshot JSON: {0}")]
    Serialize(serde_json::Error),
}

/// The snapshot JSON text of `parts` (a JSON object: every field but the scan's) with
/// `scan`'s `packages` and `unreadable` in it. `indent`: spaces per level, or `None` for
/// one line with no spaces.
pub fn snapshot_json(
    parts: &str,
    scan: &ScanResult,
    indent: Option<usize>,
) -> Result<String, WriteError> {
    let fields = parse_parts(parts)?;
    // About 800 bytes per package once indented.
    let mut out = Vec::with_capacity(4096 + 800 * scan.packages.len());
    write_fields(&fields, scan, indent, &mut out)?;
    // serde_json writes UTF-8 only; the check costs well under a millisecond per MB.
    String::from_utf8(out).map_err(|e| WriteError::Serialize(serde::ser::Error::custom(e)))
}

/// [`snapshot_json`]'s text written to `out` as it is made, the whole never held: at
/// 5,000 packages a 4 MB text costs its pages and the caches more than writing it does.
/// A failed write is a `Serialize` error whose `is_io()` is true (`io::Error::from` gives
/// it back); the other errors come before anything is written.
pub fn write_snapshot_json(
    parts: &str,
    scan: &ScanResult,
    indent: Option<usize>,
    out: impl io::Write,
) -> Result<(), WriteError> {
    write_fields(&parse_parts(parts)?, scan, indent, out)
}

/// The caller's fields, checked: a JSON object that gives each field once.
fn parse_parts(parts: &str) -> Result<Vec<(String, Ordered)>, WriteError> {
    let fields = match serde_json::from_str::<Ordered>(parts).map_err(WriteError::Syntax)? {
        Ordered::Object(fields) => fields,
        other => return Err(WriteError::NotAnObject(other.kind())),
    };
    // A snapshot field given twice would be written twice, and a snapshot with a
    // repeated field does not load.
    let mut seen = std::collections::HashSet::new();
    if let Some((key, _)) = fields.iter().find(|(key, _)| !seen.insert(key.as_str())) {
        return Err(WriteError::DuplicateKey(key.clone()));
    }
    Ok(fields)
}

fn write_fields(
    fields: &[(String, Ordered)],
    scan: &ScanResult,
    indent: Option<usize>,
    out: impl io::Write,
) -> Result<(), WriteError> {
    write_json(&Document { fields, scan }, indent, out).map_err(WriteError::Serialize)
}

/// `value` as JSON: one line with no spaces, or `indent` spaces per level, which is what
/// Python's `json.dumps(..., indent=indent, ensure_ascii=False)` writes for the same value
/// when it holds no float (both escape the same characters the same way).
pub fn write_json(
    value: &impl Serialize,
    indent: Option<usize>,
    out: impl io::Write,
) -> serde_json::Result<()> {
    match indent {
        Some(width) => {
            let step = vec![b' '; width];
            let mut serializer =
                serde_json::Serializer::with_formatter(out, PrettyFormatter::with_indent(&step));
            value.serialize(&mut serializer)
        }
        None => serde_json::to_writer(out, value),
    }
}

/// The caller's fields with the scan's two lists in place.
struct Document<'a> {
    fields: &'a [(String, Ordered)],
    scan: &'a ScanResult,
}

impl Serialize for Document<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        let (mut packages, mut unreadable) = (false, false);
        for (key, value) in self.fields {
            match key.as_str() {
                "packages" => {
                    map.serialize_entry(key, &self.scan.packages)?;
                    packages = true;
                }
                "unreadable" => {
                    map.serialize_entry(key, &self.scan.unreadable)?;
                    unreadable = true;
                }
                _ => map.serialize_entry(key, value)?,
            }
        }
        if !packages {
            map.serialize_entry("packages", &self.scan.packages)?;
        }
        if !unreadable {
            map.serialize_entry("unreadable", &self.scan.unreadable)?;
        }
        map.end()
    }
}

/// A JSON value whose objects keep their key order (`serde_json::Value` sorts them unless
/// the crate-wide `preserve_order` feature is on, which would change every other map).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ordered {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Ordered>),
    Object(Vec<(String, Ordered)>),
}

impl Ordered {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Ordered::Null => "null",
            Ordered::Bool(_) => "a boolean",
            Ordered::Number(_) => "a number",
            Ordered::String(_) => "a string",
            Ordered::Array(_) => "an array",
            Ordered::Object(_) => "an object",
        }
    }
}

impl Serialize for Ordered {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Ordered::Null => serializer.serialize_unit(),
            Ordered::Bool(b) => serializer.serialize_bool(*b),
            Ordered::Number(n) => n.serialize(serializer),
            Ordered::String(s) => serializer.serialize_str(s),
            Ordered::Array(items) => items.serialize(serializer),
            Ordered::Object(fields) => {
                let mut map = serializer.serialize_map(Some(fields.len()))?;
                for (key, value) in fields {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(OrderedVisitor)
    }
}

struct OrderedVisitor;

impl<'de> Visitor<'de> for OrderedVisitor {
    type Value = Ordered;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Ordered, E> {
        Ok(Ordered::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Ordered, E> {
        Ok(Ordered::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Ordered, E> {
        Ok(Ordered::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Ordered, E> {
        Ok(Ordered::Number(v.into()))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Ordered, E> {
        serde_json::Number::from_f64(v)
            .map(Ordered::Number)
            .ok_or_else(|| E::custom("a number that is not finite"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Ordered, E> {
        Ok(Ordered::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Ordered, E> {
        Ok(Ordered::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Ordered, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Ordered::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
        let mut fields = Vec::new();
        while let Some(entry) = map.next_entry::<String, Ordered>()? {
            fields.push(entry);
        }
        Ok(Ordered::Object(fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{DistKind, Package, Unreadable};

    fn scan() -> ScanResult {
        ScanResult {
            packages: vec![Package {
                name: "a-b".into(),
                display_name: "A_B".into(),
                version: "1.0".into(),
                location: "/site\n\"x\"".into(),
                metadata_path: "/site/A_B-1.0.dist-info".into(),
                kind: DistKind::DistInfo,
                installer: None,
                direct_url: None,
                requires_dist: vec!["c; python_version < \"3.9\"".into()],
                provides_extra: vec![],
                requires_python: Some(">=3.8".into()),
                shadowed: vec![],
                same_directory: Vec::new(),
                import_names: Vec::new(),
                version_uncertain: false,
            }],
            unreadable: vec![Unreadable {
                path: "/site/bad.dist-info".into(),
                reason: "no METADATA".into(),
            }],
        }
    }

    #[test]
    fn keeps_the_callers_key_order_and_puts_the_scan_at_its_placeholders() {
        let parts = r#"{"z": {"b": 1, "a": [true, null, -2]}, "packages": 0, "m": "\u00e9\u0001", "unreadable": 0, "a": {}}"#;
        let text = snapshot_json(parts, &scan(), Some(2)).unwrap();
        let z = text.find("\"z\"").unwrap();
        let b = text.find("\"b\"").unwrap();
        let a_inner = text.find("\"a\": [").unwrap();
        let packages = text.find("\"packages\"").unwrap();
        let m = text.find("\"m\"").unwrap();
        let unreadable = text.find("\"unreadable\": [").unwrap();
        let a_outer = text.find("\"a\": {}").unwrap();
        assert!(
            z < b
                && b < a_inner
                && a_inner < packages
                && packages < m
                && m < unreadable
                && unreadable < a_outer
        );
        // Escapes as Python's json writes them: short forms, else \u00XX in lower case.
        assert!(text.contains(r#""m": "é\u0001""#), "{text}");
        assert!(text.contains(r#""location": "/site\n\"x\"""#), "{text}");
        assert!(text.starts_with("{\n  \"z\": {\n    \"b\": 1,\n"), "{text}");
        // The shape the loader reads back.
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["packages"][0]["name"], "a-b");
        assert_eq!(value["unreadable"][0]["reason"], "no METADATA");
        assert!(value["packages"][0].get("shadowed").is_none());
    }

    #[test]
    fn numbers_are_written_back_as_the_nearest_double_like_python() {
        // A mantissa longer than a u64 (the fuzzer's find): Python's json reads the
        // nearest double, and so must we; serde_json guarantees that only with its
        // float_roundtrip feature, which Cargo.toml enables.
        let parts = r#"{"n": [2.44444464444411554141111111111111111111111111153e5, 12345678901234567890, -0.0]}"#;
        let text = snapshot_json(parts, &ScanResult::default(), None).unwrap();
        assert_eq!(
            text,
            r#"{"n":[244444.46444441154,12345678901234567890,-0.0],"packages":[],"unreadable":[]}"#
        );
    }

    #[test]
    fn refuses_parts_with_a_field_given_twice() {
        let parts = r#"{"packages": null, "cwd": "/", "packages": null}"#;
        let err = snapshot_json(parts, &ScanResult::default(), Some(2)).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"snapshot parts: the key "packages" appears more than once; give each field once"#
        );
    }

    #[test]
    fn appends_the_scan_when_the_parts_have_no_place_for_it() {
        let text = snapshot_json(r#"{"schema": "s"}"#, &ScanResult::default(), None).unwrap();
        assert_eq!(text, r#"{"schema":"s","packages":[],"unreadable":[]}"#);
    }

    #[test]
    fn refuses_parts_that_are_not_an_object() {
        let err = snapshot_json("[1]", &ScanResult::default(), None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "snapshot parts: the top level must be a JSON object, not an array"
        );
        let err = snapshot_json("{\"a\": ", &ScanResult::default(), None).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("snapshot parts: not valid JSON: "),
            "{err}"
        );
    }
}
