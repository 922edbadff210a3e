//! Any file name becomes a valid last key segment within the byte budget, or a clear refusal;
//! sanitizing a sanitized name changes nothing.
#![no_main]

use cubby_core::keys::{sanitize_name, MAX_NAME_BYTES};
use cubby_core::tenant::{ObjectKey, TenantId};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u8, &str)| {
    let (budget, name) = input;
    // Budgets from tiny to the real one: the trimming paths matter most at the edges.
    let max_bytes = if budget == 0 {
        MAX_NAME_BYTES
    } else {
        usize::from(budget)
    };
    let clean = match sanitize_name(name, max_bytes) {
        Ok(clean) => clean,
        Err(e) => {
            assert_eq!(e.code(), "invalid_input", "{name:?}: {e}");
            assert!(!e.to_string().contains('\n'), "{name:?}: one-line message");
            return;
        }
    };
    assert!(
        !clean.is_empty() && clean.len() <= max_bytes,
        "{name:?} -> {clean:?}"
    );
    assert!(!clean.contains(['/', '\\']), "{name:?} -> {clean:?}");
    let tenant = TenantId::parse("acme").expect("tenant");
    let key = ObjectKey::in_tenant(&tenant, &format!("uploads/{clean}"))
        .unwrap_or_else(|e| panic!("{name:?} -> {clean:?} is not a key segment: {e}"));
    assert_eq!(key.name(), clean);
    assert_eq!(
        sanitize_name(&clean, max_bytes).as_deref().ok(),
        Some(clean.as_str()),
        "not idempotent: {name:?} -> {clean:?}"
    );
});
