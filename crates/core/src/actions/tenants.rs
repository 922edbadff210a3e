//! Which tenant a write goes to. Tenants are the bucket's top-level folders, so a typo
//! (`acme` for `acme-corp`, `acme-crop`) would quietly start a new client's folder and send every
//! receipt there. Writing to a tenant that has no files yet takes an explicit yes, and the
//! refusal names the tenants the person probably meant.

use crate::error::Hint;
use crate::listing;
use crate::storage::Bucket;
use crate::tenant::TenantId;
use crate::{Error, Result};

/// Ok when `tenant` already has files or was added by hand (`cubby tenants add`), or when
/// `new_tenant` says the person means to start it.
pub async fn check_target(bucket: &Bucket, tenant: &TenantId, new_tenant: bool) -> Result<()> {
    if new_tenant {
        return Ok(());
    }
    let mut known = listing::tenants(bucket).await?;
    if known.contains(tenant) {
        return Ok(());
    }
    if let Ok((names, _)) = crate::names::load(bucket).await {
        if names
            .tenants
            .get(tenant.as_str())
            .is_some_and(|e| e.added.is_some())
        {
            return Ok(());
        }
        known.extend(names.tenants.keys().filter_map(|id| TenantId::parse(id).ok()));
    }
    Err(Error::NotFound(format!(
        "tenant '{tenant}' has no files yet{}",
        suggestion(tenant, &known)
    ))
    .hint(Hint::NewTenant))
}

/// " (did you mean 'acme-corp'?)" for the known tenants close to `tenant`, or "".
pub fn suggestion(tenant: &TenantId, known: &[TenantId]) -> String {
    let near = near_matches(tenant, known);
    match near.as_slice() {
        [] => String::new(),
        [one] => format!(" (did you mean '{one}'?)"),
        many => format!(
            " (did you mean {}?)",
            many.iter()
                .map(|t| format!("'{t}'"))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    }
}

/// Known tenants that differ from `tenant` by a typo or two, or that start or end with it
/// (`acme` → `acme-corp`), closest first; at most three.
pub fn near_matches<'a>(tenant: &TenantId, known: &'a [TenantId]) -> Vec<&'a TenantId> {
    let wanted = tenant.as_str().to_ascii_lowercase();
    let mut scored: Vec<(usize, &TenantId)> = known
        .iter()
        .filter_map(|t| {
            let name = t.as_str().to_ascii_lowercase();
            let distance = edit_distance(&wanted, &name);
            let contains = wanted.len() >= 3 && (name.starts_with(&wanted) || name.ends_with(&wanted));
            (distance <= 2 || contains).then_some((distance, t))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, t)| t).collect()
}

/// Levenshtein distance over characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str) -> TenantId {
        TenantId::parse(name).unwrap()
    }

    #[test]
    fn typos_and_short_names_suggest_the_tenant_meant() {
        let known = [t("acme-corp"), t("globex"), t("beta-archive"), t("initech")];
        assert_eq!(
            suggestion(&t("acme-crop"), &known),
            " (did you mean 'acme-corp'?)"
        );
        assert_eq!(suggestion(&t("acme"), &known), " (did you mean 'acme-corp'?)");
        assert_eq!(suggestion(&t("globx"), &known), " (did you mean 'globex'?)");
        assert_eq!(suggestion(&t("umbrella"), &known), "");
    }

    #[tokio::test]
    async fn a_write_to_a_tenant_with_no_files_needs_a_yes() {
        let bucket = Bucket::in_memory("b");
        bucket
            .put("acme-corp/documents/a.pdf", b"x".to_vec(), None)
            .await
            .unwrap();
        check_target(&bucket, &t("acme-corp"), false).await.unwrap();
        let e = check_target(&bucket, &t("acme-crop"), false).await.unwrap_err();
        assert_eq!((e.code(), e.advice()), ("not_found", Some(Hint::NewTenant)));
        assert!(e.to_string().contains("did you mean 'acme-corp'"), "{e}");
        check_target(&bucket, &t("acme-crop"), true).await.unwrap();
        // A tenant added by hand exists before its first file.
        crate::names::add(&bucket, &t("initech"), None, chrono::Utc::now())
            .await
            .unwrap();
        check_target(&bucket, &t("initech"), false).await.unwrap();
    }
}
