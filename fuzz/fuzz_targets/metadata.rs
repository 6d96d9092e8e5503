//! The core-metadata reader and the direct_url.json reader on arbitrary bytes: no panic,
//! and what they return keeps its promises.
#![no_main]

use genevars::snapshot::metadata::{headers, read_header_block, CoreMetadata, Fields};
use genevars::snapshot::scan::parse_direct_url;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for h in headers(data) {
        assert!(
            !h.name.is_empty()
                && h.name
                    .bytes()
                    .all(|b| (0x21..=0x7e).contains(&b) && b != b':')
        );
        assert!(h.line >= 1);
        let value = h.value();
        assert_eq!(value.as_ref(), value.trim_ascii());
    }
    // Reading only Name and Version gives the full reading's name and version.
    let full = CoreMetadata::parse(data).map(|m| (m.name, m.version));
    let name_and_version =
        CoreMetadata::parse_fields(data, Fields::NameAndVersion).map(|m| (m.name, m.version));
    assert_eq!(full, name_and_version);
    if let Ok(meta) = CoreMetadata::parse(data) {
        assert!(!meta.name.is_empty() && !meta.version.is_empty());
        let normalized =
            pep508_rs::PackageName::new(meta.name.clone()).expect("name was validated");
        assert_eq!(normalized.as_ref(), meta.normalized_name);
        assert_eq!(meta.version.trim(), meta.version);
    }
    let block = read_header_block(data).expect("reading from memory does not fail");
    assert!(data.starts_with(&block));
    // Parsing the block alone gives what parsing the whole file gives.
    assert_eq!(CoreMetadata::parse(&block), CoreMetadata::parse(data));
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some(origin) = parse_direct_url(text) {
            assert!(["dir", "archive", "vcs"].contains(&origin.kind.as_str()));
            assert!(!origin.editable || origin.kind == "dir");
        }
    }
});
