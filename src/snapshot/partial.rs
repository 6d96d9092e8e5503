//! Snapshots read without their package lists, which stay JSON text.
//!
//! A cluster's nodes mostly run the same environment, so their package lists — nearly
//! all of each snapshot's bytes — are mostly the same text. [`PackageLists::read`] reads
//! a node's snapshot except its package list, which it recognizes by its bytes when it
//! has seen that text before; each distinct list is then parsed once
//! ([`packages_from_json`]).
//!
//! Only valid input in the usual spelling takes this path: whatever it refuses goes to
//! [`super::from_json_str`], which parses it in full and explains any error.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use serde_json::value::RawValue;

use super::load::{check_env, check_packages, check_schema_tag};
use super::model::CondaPackage;
use super::model::{
    env_map, Accelerators, Creator, CredentialFile, EnvValue, Markers, Origin, Package,
    PlatformInfo, PythonInfo, Snapshot, Unreadable,
};

/// How many known lists a package list is compared with byte by byte before it is read
/// as JSON and looked up by hash instead (byte comparisons with many lists that differ
/// late would cost more than reading it).
const BYTE_MATCHED_LISTS: usize = 8;

/// [`Snapshot`]'s fields with `packages` kept as text; the same names and defaults.
#[derive(Deserialize)]
struct Document<'a> {
    schema: String,
    #[serde(default)]
    created_by: Creator,
    #[serde(default)]
    origin: Option<Origin>,
    python: PythonInfo,
    platform: PlatformInfo,
    markers: Markers,
    cwd: String,
    #[serde(deserialize_with = "env_map")]
    env: BTreeMap<String, EnvValue>,
    sys_path: Vec<String>,
    /// `[]`, standing in for the list read apart.
    #[serde(borrow, rename = "packages")]
    _packages: &'a RawValue,
    #[serde(default)]
    unreadable: Vec<Unreadable>,
    #[serde(default)]
    genevars_version: Option<String>,
    #[serde(default)]
    conda: Vec<CondaPackage>,
    accelerators: Option<Accelerators>,
    #[serde(default)]
    credential_files: Vec<CredentialFile>,
}

impl Document<'_> {
    /// The snapshot with an empty package list, if it passes the loader's checks.
    fn into_snapshot(self) -> Option<Snapshot> {
        check_schema_tag("", self.schema.clone()).ok()?;
        check_env(&self.env).ok()?;
        // No `..`: a field added to Snapshot must be added here too.
        Some(Snapshot {
            schema: self.schema,
            created_by: self.created_by,
            origin: self.origin,
            python: self.python,
            platform: self.platform,
            markers: self.markers,
            cwd: self.cwd,
            env: self.env,
            sys_path: self.sys_path,
            packages: Vec::new(),
            unreadable: self.unreadable,
            genevars_version: self.genevars_version,
            conda: self.conda,
            accelerators: self.accelerators,
            credential_files: self.credential_files,
        })
    }
}

/// The distinct package lists (JSON text) of the snapshots read so far.
#[derive(Debug, Default)]
pub struct PackageLists<'a> {
    lists: Vec<&'a str>,
    index: HashMap<&'a str, usize>,
}

impl<'a> PackageLists<'a> {
    /// Reads the snapshot `text` but for its package list, which becomes (or is found
    /// to be) one of [`Self::lists`]: the snapshot, with `packages` empty, and the index
    /// of its list. `None` when the text is not a valid snapshot in what was read, or
    /// spells its top-level keys with escapes: parse it in full.
    pub fn read(&mut self, text: &'a str) -> Option<(Snapshot, usize)> {
        let (start, end, known) = self.find_packages(text)?;
        let list = match known {
            Some(list) => list,
            None => self.add(&text[start..end]),
        };
        // The rest of the document, with an empty list standing in for the package list:
        // valid exactly when the whole text is, the list being a valid JSON value.
        let rest = format!("{}[]{}", &text[..start], &text[end..]);
        let snapshot = serde_json::from_str::<Document<'_>>(&rest)
            .ok()?
            .into_snapshot()?;
        Some((snapshot, list))
    }

    /// The distinct package lists, in the order first seen.
    pub fn lists(&self) -> &[&'a str] {
        &self.lists
    }

    /// Adds `other`'s lists; returns, for each of them, its index here.
    pub fn merge(&mut self, other: &PackageLists<'a>) -> Vec<usize> {
        other.lists.iter().map(|list| self.add(list)).collect()
    }

    fn add(&mut self, list: &'a str) -> usize {
        *self.index.entry(list).or_insert_with(|| {
            self.lists.push(list);
            self.lists.len() - 1
        })
    }

    /// The byte span of the top-level `packages` value and, when its bytes are those of
    /// a list already seen, that list's index. Other values are skipped by serde_json,
    /// which checks their syntax.
    fn find_packages(&self, text: &'a str) -> Option<(usize, usize, Option<usize>)> {
        let bytes = text.as_bytes();
        let mut pos = skip_whitespace(bytes, 0);
        if bytes.get(pos) != Some(&b'{') {
            return None;
        }
        pos = skip_whitespace(bytes, pos + 1);
        let mut found = None;
        if bytes.get(pos) == Some(&b'}') {
            return None;
        }
        loop {
            if bytes.get(pos) != Some(&b'"') {
                return None;
            }
            let close = pos
                + 1
                + bytes[pos + 1..]
                    .iter()
                    .position(|&b| b == b'"' || b == b'\\')?;
            if bytes[close] != b'"' {
                return None; // an escaped key: leave it to the full parse
            }
            let key = &text[pos + 1..close];
            pos = skip_whitespace(bytes, close + 1);
            if bytes.get(pos) != Some(&b':') {
                return None;
            }
            let start = skip_whitespace(bytes, pos + 1);
            let is_packages = key == "packages";
            if is_packages && found.is_some() {
                return None; // twice: the full parse says so
            }
            let known = if is_packages {
                self.byte_match(&text[start..])
            } else {
                None
            };
            let end = match known {
                Some(list) => start + self.lists[list].len(),
                None => start + value_len(&text[start..])?,
            };
            if is_packages {
                found = Some((start, end, known));
            }
            pos = skip_whitespace(bytes, end);
            match bytes.get(pos) {
                Some(b',') => pos = skip_whitespace(bytes, pos + 1),
                Some(b'}') => break,
                _ => return None,
            }
        }
        if skip_whitespace(bytes, pos + 1) != bytes.len() {
            return None;
        }
        found
    }

    /// A known list whose bytes start `text`. A JSON array ends at its matching bracket,
    /// so when a list's bytes start the text, the value there is that list.
    fn byte_match(&self, text: &str) -> Option<usize> {
        self.lists
            .iter()
            .take(BYTE_MATCHED_LISTS)
            .position(|list| list.starts_with('[') && text.starts_with(list))
    }
}

/// The length of the JSON value at the start of `text` (no leading whitespace).
fn value_len(text: &str) -> Option<usize> {
    let mut de = serde_json::Deserializer::from_str(text);
    let raw = <&RawValue>::deserialize(&mut de).ok()?.get();
    let offset = raw.as_ptr() as usize - text.as_ptr() as usize;
    (offset == 0).then_some(raw.len())
}

fn skip_whitespace(bytes: &[u8], mut pos: usize) -> usize {
    while matches!(bytes.get(pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        pos += 1;
    }
    pos
}

/// A package list kept by [`PackageLists`], parsed and checked; `None` when invalid.
pub fn packages_from_json(packages_json: &str) -> Option<Vec<Package>> {
    let packages: Vec<Package> = serde_json::from_str(packages_json).ok()?;
    check_packages(&packages).ok()?;
    Some(packages)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::testutil::{node, snapshot, with_env, with_packages};
    use crate::snapshot::{from_json_str, to_json_string};

    fn sample() -> Snapshot {
        let s = with_packages(snapshot(), &[("numpy", "1.26.4"), ("ray", "2.9.0")]);
        node(with_env(s, &[("HOME", "/root")]), "n1")
    }

    /// What `PackageLists` makes of `text`: the snapshot with its list put back.
    fn read_whole(lists: &mut PackageLists<'_>, text: &str) -> Option<Snapshot> {
        let text: &'static str = Box::leak(text.to_string().into_boxed_str());
        let (mut snapshot, list) = lists.read(text)?;
        snapshot.packages = packages_from_json(lists.lists()[list])?;
        Some(snapshot)
    }

    #[test]
    fn read_plus_the_list_is_the_full_parse_in_any_spelling() {
        let s = sample();
        let value = serde_json::to_value(&s).unwrap();
        let spellings = [
            to_json_string(&s),
            serde_json::to_string(&s).unwrap(),
            value.to_string(), // keys sorted: packages before python
            format!(" \n{}\n\t", value),
            serde_json::to_string(&s)
                .unwrap()
                .replace("\"numpy\"", "\"\\u006eumpy\""),
        ];
        let mut lists = PackageLists::default();
        for text in &spellings {
            let full = from_json_str("x", text).unwrap();
            assert_eq!(read_whole(&mut lists, text).as_ref(), Some(&full), "{text}");
        }
        // The same list text again is recognized, not added.
        let before = lists.lists().len();
        assert_eq!(read_whole(&mut lists, &spellings[1]), Some(s));
        assert_eq!(lists.lists().len(), before);
        assert_eq!(
            before, 4,
            "compact struct order, pretty, sorted keys share lists where bytes agree"
        );
    }

    #[test]
    fn lists_beyond_the_byte_matched_ones_are_found_by_hash() {
        let texts: Vec<String> = (0..BYTE_MATCHED_LISTS + 4)
            .map(|i| {
                let s = with_packages(sample(), &[("pkg", &format!("1.{i}"))]);
                serde_json::to_string(&s).unwrap()
            })
            .collect();
        let mut lists = PackageLists::default();
        for text in texts.iter().chain(texts.iter().rev()) {
            assert_eq!(
                read_whole(&mut lists, text),
                Some(from_json_str("x", text).unwrap())
            );
        }
        assert_eq!(lists.lists().len(), texts.len());
    }

    #[test]
    fn what_the_loader_refuses_is_refused() {
        let good: serde_json::Value = serde_json::from_str(&to_json_string(&sample())).unwrap();
        let good_text = good.to_string();
        let mut lists = PackageLists::default();
        // Seen once, so later lists are matched by their bytes too.
        assert!(read_whole(&mut lists, &good_text).is_some());
        let mut refused = |text: String| {
            assert!(
                from_json_str("x", &text).is_err(),
                "the loader accepts {text}"
            );
            read_whole(&mut lists, &text).is_none()
        };
        let edited = |edit: &dyn Fn(&mut serde_json::Value)| {
            let mut v = good.clone();
            edit(&mut v);
            v.to_string()
        };
        assert!(refused(edited(
            &|v| v["schema"] = "genevars.snapshot/2".into()
        )));
        assert!(refused(edited(&|v| v["schema"] = "other/1".into())));
        assert!(refused(edited(&|v| {
            v.as_object_mut().unwrap().remove("schema");
        })));
        assert!(refused(edited(&|v| {
            v.as_object_mut().unwrap().remove("packages");
        })));
        assert!(refused(edited(
            &|v| v["packages"][0]["name"] = "NumPy".into()
        )));
        assert!(refused(edited(
            &|v| v["packages"][1]["name"] = "numpy".into()
        )));
        assert!(refused(edited(&|v| v["packages"][0]["version"] = 1.into())));
        assert!(refused(edited(&|v| v["packages"] = 5.into())));
        assert!(refused(edited(
            &|v| v["env"]["K"] = serde_json::json!({"withheld": "other"})
        )));
        assert!(refused(edited(
            &|v| v["env"]["K"] = serde_json::json!({"withheld": "secret", "fingerprint": "md5:1"})
        )));
        assert!(refused(edited(&|v| v["env"]["K"] = serde_json::json!([1]))));
        assert!(refused(edited(&|v| v["origin"]["pid"] = "x".into())));
        assert!(refused("{".into()));
        assert!(refused("{}".into()));
        assert!(refused(format!("{good_text} x")));
        assert!(refused(format!("{good_text},")));
        let packages = good["packages"].to_string();
        // A known list followed by more array text, or a second packages key.
        assert!(refused(good_text.replacen(
            &packages,
            &format!("{packages}, []"),
            1
        )));
        assert!(refused(good_text.replacen(
            "{",
            &format!("{{\"packages\":{packages},"),
            1
        )));
        assert!(refused(good_text.replacen(
            &packages,
            &packages[..packages.len() - 1],
            1
        )));
        let escaped_key = good_text.replacen("\"cwd\"", "\"cw\\u0064\"", 1);
        assert!(from_json_str("x", &escaped_key).is_ok());
        assert!(
            read_whole(&mut lists, &escaped_key).is_none(),
            "escaped keys take the full parse"
        );
    }
}
