//! Any file handed to `cubby profile import-env` parses or is refused with a one-line message.
#![no_main]

use cubby_core::dotenv::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    match parse(text) {
        Ok(vars) => {
            for (name, value) in &vars {
                assert!(!name.is_empty() && !name.contains(['=', '\n']), "{name:?}");
                assert!(!value.contains('\0'), "{name:?}");
            }
        }
        Err(e) => {
            assert_eq!(e.code(), "invalid_input", "{e}");
            assert!(!e.to_string().contains('\n'), "one-line message: {e}");
            assert!(e.to_string().starts_with(".env line "), "{e}");
        }
    }
});
