//! The native snapshot writer on arbitrary "parts" text: no panic; what it writes is JSON
//! holding the parts' fields, in their order, with the scan's `packages` and `unreadable`
//! put where the parts have those keys (or appended).
#![no_main]

use genevars::snapshot::model::Unreadable;
use genevars::snapshot::scan::ScanResult;
use genevars::snapshot::write::snapshot_json;
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

fuzz_target!(|data: &[u8]| {
    let Ok(parts) = std::str::from_utf8(data) else {
        return;
    };
    let scan = ScanResult {
        packages: Vec::new(),
        unreadable: vec![Unreadable {
            path: "/site/x\u{2028}\"y".to_string(),
            reason: "no METADATA file".to_string(),
        }],
    };
    let compact = snapshot_json(parts, &scan, None);
    let indented = snapshot_json(parts, &scan, Some(2));
    assert_eq!(compact.is_ok(), indented.is_ok());
    let (Ok(compact), Ok(indented)) = (compact, indented) else {
        return;
    };
    let written: Value = serde_json::from_str(&compact).expect("the writer writes JSON");
    let again: Value = serde_json::from_str(&indented).expect("the writer writes JSON");
    assert_eq!(written, again);
    // The parts' top-level keys, then the scan's where the parts lack them.
    let given: Map<String, Value> =
        serde_json::from_str(parts).expect("accepted parts are an object");
    let written = written.as_object().expect("a JSON object");
    let mut keys: Vec<&str> = given.keys().map(String::as_str).collect();
    for key in ["packages", "unreadable"] {
        if !given.contains_key(key) {
            keys.push(key);
        }
    }
    keys.sort_unstable();
    let mut got: Vec<&str> = written.keys().map(String::as_str).collect();
    got.sort_unstable();
    assert_eq!(got, keys);
    for (key, value) in &given {
        if key != "packages" && key != "unreadable" {
            assert_eq!(written.get(key), Some(value), "{key}");
        }
    }
    assert_eq!(written["packages"], Value::Array(Vec::new()));
    assert_eq!(written["unreadable"].as_array().map(Vec::len), Some(1));
});
