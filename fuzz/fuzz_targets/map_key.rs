//! Any key a bucket can hold maps to a path inside the download folder, or to a clear refusal.
#![no_main]

use std::path::{Component, Path};

use cubby_core::local_path::{map_key, MAX_SEGMENT_BYTES};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|key: &str| {
    let dir = Path::new("/downloads/cubby");
    let target = match map_key(dir, key) {
        Ok(target) => target,
        Err(e) => {
            assert_eq!(e.code(), "invalid_input", "{key:?}: {e}");
            assert!(!e.to_string().contains('\n'), "{key:?}: one-line message");
            return;
        }
    };
    let inside = target
        .path
        .strip_prefix(dir)
        .unwrap_or_else(|_| panic!("{key:?} left the folder: {:?}", target.path));
    let mut names = Vec::new();
    for component in inside.components() {
        let Component::Normal(name) = component else {
            panic!("{key:?} -> {:?} has {component:?}", target.path);
        };
        let name = name.to_str().expect("mapped names stay UTF-8");
        assert!(
            !name.is_empty() && name.len() <= MAX_SEGMENT_BYTES,
            "{key:?} -> {name:?}"
        );
        assert!(!name.contains(['/', '\\', '\0']), "{key:?} -> {name:?}");
        assert!(!name.ends_with(['.', ' ']), "{key:?} -> {name:?}");
        names.push(name);
    }
    assert!(!names.is_empty(), "{key:?}");
    // Mapping its own output again changes nothing.
    let again = map_key(dir, &names.join("/")).expect("a mapped path maps again");
    assert_eq!(again.path, target.path, "{key:?}");
    assert!(again.adjusted.is_empty(), "{key:?}: {:?}", again.adjusted);
});
