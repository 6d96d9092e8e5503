//! The snapshot loader on arbitrary text: no panic, errors are one line naming the
//! source, and whatever loads saves and loads again to the same snapshot. The split read
//! the node comparison uses (the snapshot without its package list, then the list)
//! accepts only what the loader accepts, and reads it the same.
#![no_main]

use genevars::snapshot::{
    from_json_str, packages_from_json_str, split_from_json_str, to_json_string,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let full = from_json_str("fuzz.json", text);
    if let Some((mut split, list)) = split_from_json_str(text) {
        if let Ok(packages) = packages_from_json_str("fuzz.json", list) {
            split.packages = packages;
            assert_eq!(full.as_ref().ok(), Some(&split));
        }
    }
    match full {
        Ok(snapshot) => {
            let again =
                from_json_str("again", &to_json_string(&snapshot)).expect("a saved snapshot loads");
            assert_eq!(snapshot, again);
        }
        Err(e) => {
            let message = e.to_string();
            assert!(message.starts_with("fuzz.json: "), "{message}");
            assert!(
                !message.contains('\n') && !message.contains('\r'),
                "{message:?}"
            );
        }
    }
});
