//! Listing: ListObjectsV2 pages streamed to the caller as they arrive (bounded memory per page,
//! first rows at once), tenants and their folders, name filters, sorting and usage totals.
//!
//! Nothing here HEADs objects: everything a listing shows comes from the listing itself.

use serde::Serialize;

use crate::storage::{Bucket, ListPage};
use crate::tenant::{Category, Prefix, TenantId};
use crate::{Error, Result};

/// A listing in progress; call `next_page` until it returns `None`.
pub struct Listing<'a> {
    bucket: &'a Bucket,
    prefix: String,
    delimiter: Option<&'static str>,
    token: Option<String>,
    done: bool,
    /// Keys in the first request, when set.
    first_page: Option<i32>,
}

impl<'a> Listing<'a> {
    /// `recursive` lists every key under the prefix; otherwise one folder level ("/" delimiter).
    pub fn new(bucket: &'a Bucket, prefix: &Prefix, recursive: bool) -> Self {
        Listing {
            bucket,
            prefix: prefix.as_str().to_string(),
            delimiter: (!recursive).then_some("/"),
            token: None,
            done: false,
            first_page: None,
        }
    }

    /// Asks for only `keys` keys in the first request (later ones take the server's 1,000): a
    /// short first page comes back sooner, which is what a person looking at a folder sees.
    pub fn first_page(mut self, keys: Option<i32>) -> Self {
        self.first_page = keys;
        self
    }

    pub async fn next_page(&mut self) -> Result<Option<ListPage>> {
        if self.done {
            return Ok(None);
        }
        let page = self
            .bucket
            .list_page(
                &self.prefix,
                self.delimiter,
                self.token.take(),
                self.first_page.take(),
            )
            .await?;
        self.token.clone_from(&page.next_token);
        self.done = self.token.is_none();
        Ok(Some(page))
    }
}

/// Tenants are the top-level folders; hidden ones (".cubby/") are Cubby's own, not tenants.
pub async fn tenants(bucket: &Bucket) -> Result<Vec<TenantId>> {
    let mut listing = Listing::new(bucket, &Prefix::root(), false);
    let mut tenants = Vec::new();
    while let Some(page) = listing.next_page().await? {
        tenants.extend(
            page.prefixes
                .iter()
                .filter_map(|p| TenantId::parse(p.trim_end_matches('/')).ok()),
        );
    }
    Ok(tenants)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Folder {
    pub name: String,
    pub prefix: String,
    /// One of documents/images/uploads: always shown, even when empty.
    pub category: Option<Category>,
}

impl Folder {
    /// The folder at `prefix` ("acme/documents/"), named by its last segment.
    pub fn at(prefix: String, category: Option<Category>) -> Folder {
        let name = prefix
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        Folder {
            name,
            prefix,
            category,
        }
    }
}

/// A tenant's three category folders, which a tenant always shows, present or not.
pub fn category_folders(tenant: &TenantId) -> Vec<Folder> {
    Category::ALL
        .iter()
        .map(|c| Folder::at(Prefix::of_category(tenant, *c).to_string(), Some(*c)))
        .collect()
}

/// The folders of a tenant: the three categories first (present or not), then any others.
pub async fn tenant_folders(bucket: &Bucket, tenant: &TenantId) -> Result<Vec<Folder>> {
    let mut folders = category_folders(tenant);
    let mut listing = Listing::new(bucket, &Prefix::parse(&tenant.prefix())?, false);
    while let Some(page) = listing.next_page().await? {
        for prefix in page.prefixes {
            if folders.iter().any(|f| f.prefix == prefix) {
                continue;
            }
            folders.push(Folder::at(prefix, None));
        }
    }
    Ok(folders)
}

/// Filters by name: a glob when the pattern has `*`, `?` or `[`, else a substring;
/// case-insensitive either way. A key is matched by its last segment and by the name people see
/// in the window (`invoice*` finds `…_abc123_invoice.pdf`).
#[derive(Debug, Clone)]
pub enum NameFilter {
    Substring(String),
    Glob(globset::GlobMatcher),
}

impl NameFilter {
    pub fn parse(pattern: &str) -> Result<Self> {
        let lower = pattern.to_lowercase();
        if !lower.contains(['*', '?', '[']) {
            return Ok(NameFilter::Substring(lower));
        }
        let glob = globset::GlobBuilder::new(&lower)
            .case_insensitive(true)
            .literal_separator(true)
            .backslash_escape(false)
            .build()
            .map_err(|e| {
                crate::Error::invalid(format!(
                    "'{}' is not a valid name pattern ({}): use * for any run of characters, ? for one, [abc] for one of a set",
                    pattern.escape_default(),
                    e.kind()
                ))
            })?;
        Ok(NameFilter::Glob(glob.compile_matcher()))
    }

    pub fn matches(&self, key: &str) -> bool {
        let last = key.trim_end_matches('/').rsplit('/').next().unwrap_or(key);
        let shown = crate::keys::display_name(last);
        let test = |name: &str| match self {
            NameFilter::Substring(s) => name.to_lowercase().contains(s.as_str()),
            NameFilter::Glob(g) => g.is_match(name),
        };
        test(last) || (shown != last && test(shown))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Name,
    Size,
    Date,
}

impl std::str::FromStr for SortKey {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "name" => Ok(SortKey::Name),
            "size" => Ok(SortKey::Size),
            "date" | "modified" | "time" => Ok(SortKey::Date),
            other => Err(Error::invalid(format!(
                "cannot sort by '{}': use name, size or date",
                other.escape_default()
            ))),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    pub objects: u64,
    pub bytes: u64,
}

/// Object count and bytes under a prefix, from the listing alone.
pub async fn usage(bucket: &Bucket, prefix: &Prefix) -> Result<Usage> {
    let mut listing = Listing::new(bucket, prefix, true);
    let mut usage = Usage::default();
    while let Some(page) = listing.next_page().await? {
        usage.objects += page.objects.len() as u64;
        usage.bytes += page.objects.iter().map(|o| o.size).sum::<u64>();
    }
    Ok(usage)
}

#[cfg(test)]
mod tests {
    use super::*;

    impl NameFilter {
        fn new(pattern: &str) -> Self {
            NameFilter::parse(pattern).unwrap()
        }
    }

    #[test]
    fn substring_and_glob_filters_look_at_the_name_only() {
        let f = NameFilter::new("RECEIPT");
        assert!(f.matches("acme/documents/20250127_123456_abc123_receipt.jpg"));
        assert!(
            !NameFilter::new("acme").matches("acme/documents/x.jpg"),
            "the tenant is not the name"
        );
        let g = NameFilter::new("*.jpg");
        assert!(g.matches("a/b/photo.JPG"));
        assert!(!g.matches("a/b/photo.jpeg"));
        assert!(NameFilter::new("2025????_*").matches("t/d/20250127_1.pdf"));
        assert!(NameFilter::new("[ab]*.pdf").matches("t/d/b.pdf"));
        assert!(!NameFilter::new("[!ab]*.pdf").matches("t/d/b.pdf"));
        assert!(NameFilter::new("[a-c]x").matches("bx"));
    }

    #[test]
    fn glob_with_many_stars_stays_fast() {
        let text = "a".repeat(5_000);
        assert!(!NameFilter::new("*a*a*a*a*a*a*a*a*b").matches(&text));
    }

    #[test]
    fn filters_match_the_name_people_see_and_refuse_broken_patterns() {
        let key = "acme/documents/20250127_123456_abc123_invoice.pdf";
        assert!(NameFilter::new("invoice*").matches(key));
        assert!(
            NameFilter::new("*_abc123_*").matches(key),
            "the stored name still matches"
        );
        assert!(!NameFilter::new("receipt*").matches(key));
        let e = NameFilter::parse("[a-").unwrap_err();
        assert_eq!(e.code(), "invalid_input");
        assert!(e.to_string().contains("'[a-'"), "{e}");
    }

    #[test]
    fn sort_keys_read_as_people_write_them() {
        assert_eq!("Modified".parse::<SortKey>().unwrap(), SortKey::Date);
        assert!("x".parse::<SortKey>().is_err());
    }
}
