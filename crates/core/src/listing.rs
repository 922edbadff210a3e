//! Listing: ListObjectsV2 pages streamed to the caller as they arrive (bounded memory per page,
//! first rows at once), tenants and their folders, name filters, sorting and usage totals.
//!
//! Nothing here HEADs objects: everything a listing shows comes from the listing itself.

use serde::Serialize;

use crate::storage::{Bucket, ListPage, ObjectEntry};
use crate::tenant::{Category, Prefix, TenantId};
use crate::{Error, Result};

/// A listing in progress; call `next_page` until it returns `None`.
pub struct Listing<'a> {
    bucket: &'a Bucket,
    prefix: String,
    delimiter: Option<&'static str>,
    token: Option<String>,
    done: bool,
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
        }
    }

    pub async fn next_page(&mut self) -> Result<Option<ListPage>> {
        if self.done {
            return Ok(None);
        }
        let page = self
            .bucket
            .list_page(&self.prefix, self.delimiter, self.token.take(), None)
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
pub struct Folder {
    pub name: String,
    pub prefix: String,
    /// One of documents/images/uploads: always shown, even when empty.
    pub category: Option<Category>,
}

/// The folders of a tenant: the three categories first (present or not), then any others.
pub async fn tenant_folders(bucket: &Bucket, tenant: &TenantId) -> Result<Vec<Folder>> {
    let mut folders: Vec<Folder> = Category::ALL
        .iter()
        .map(|c| Folder {
            name: c.as_str().to_string(),
            prefix: format!("{}{}/", tenant.prefix(), c.as_str()),
            category: Some(*c),
        })
        .collect();
    let mut listing = Listing::new(bucket, &Prefix::parse(&tenant.prefix())?, false);
    while let Some(page) = listing.next_page().await? {
        for prefix in page.prefixes {
            if folders.iter().any(|f| f.prefix == prefix) {
                continue;
            }
            let name = prefix
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string();
            folders.push(Folder {
                name,
                prefix,
                category: None,
            });
        }
    }
    Ok(folders)
}

/// Filters by the name's last segment: a glob when it has `*`, `?` or `[`, else a substring;
/// case-insensitive either way.
#[derive(Debug, Clone)]
pub enum NameFilter {
    Substring(String),
    Glob(Vec<char>),
}

impl NameFilter {
    pub fn new(pattern: &str) -> Self {
        let lower = pattern.to_lowercase();
        if lower.contains(['*', '?', '[']) {
            NameFilter::Glob(lower.chars().collect())
        } else {
            NameFilter::Substring(lower)
        }
    }

    pub fn matches(&self, key: &str) -> bool {
        let name = key
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(key)
            .to_lowercase();
        match self {
            NameFilter::Substring(s) => name.contains(s.as_str()),
            NameFilter::Glob(p) => glob_match(p, &name.chars().collect::<Vec<_>>()),
        }
    }
}

/// `*` any run, `?` one character, `[abc]`/`[a-z]`/`[!a]` one of a set; iterative with
/// backtracking to the last `*`, so it is linear-ish and cannot blow up on hostile patterns.
fn glob_match(pattern: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() {
            match pattern[p] {
                '*' => {
                    star = Some((p, t));
                    p += 1;
                    continue;
                }
                '?' => {
                    p += 1;
                    t += 1;
                    continue;
                }
                '[' => {
                    if let Some((matched, next)) = class_match(pattern, p, text[t]) {
                        if matched {
                            p = next;
                            t += 1;
                            continue;
                        }
                    } else if text[t] == '[' {
                        p += 1;
                        t += 1;
                        continue;
                    }
                }
                c if c == text[t] => {
                    p += 1;
                    t += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, st)) => {
                p = sp + 1;
                t = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// Matches `c` against the class starting at `pattern[start] == '['`; `None` if unterminated.
fn class_match(pattern: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negate = matches!(pattern.get(i), Some('!') | Some('^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < pattern.len() {
        if pattern[i] == ']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if i + 2 < pattern.len() && pattern[i + 1] == '-' && pattern[i + 2] != ']' {
            if pattern[i] <= c && c <= pattern[i + 2] {
                matched = true;
            }
            i += 3;
        } else {
            if pattern[i] == c {
                matched = true;
            }
            i += 1;
        }
    }
    None
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

pub fn sort(entries: &mut [ObjectEntry], key: SortKey, descending: bool) {
    entries.sort_by(|a, b| {
        let order = match key {
            SortKey::Name => a.key.cmp(&b.key),
            SortKey::Size => a.size.cmp(&b.size).then_with(|| a.key.cmp(&b.key)),
            SortKey::Date => a
                .last_modified
                .cmp(&b.last_modified)
                .then_with(|| a.key.cmp(&b.key)),
        };
        if descending {
            order.reverse()
        } else {
            order
        }
    });
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
        let pattern: Vec<char> = "*a*a*a*a*a*a*a*a*b".chars().collect();
        let text: Vec<char> = "a".repeat(5_000).chars().collect();
        assert!(!glob_match(&pattern, &text));
    }

    #[test]
    fn sorting_by_each_column() {
        let entry = |key: &str, size: u64, secs: i64| ObjectEntry {
            key: key.into(),
            size,
            etag: None,
            last_modified: chrono::DateTime::from_timestamp(secs, 0),
        };
        let mut v = vec![entry("b", 1, 30), entry("a", 3, 10), entry("c", 2, 20)];
        sort(&mut v, SortKey::Size, false);
        assert_eq!(
            v.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(),
            ["b", "c", "a"]
        );
        sort(&mut v, SortKey::Date, true);
        assert_eq!(
            v.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(),
            ["b", "c", "a"]
        );
        sort(&mut v, SortKey::Name, false);
        assert_eq!(
            v.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        assert!("x".parse::<SortKey>().is_err());
    }
}
