//! Browsing: one folder level (or everything below) streamed page by page, a tenant's category
//! folders first; an object's details. The window's file table and `cubby ls` / `stat` show
//! the same thing.

use serde::Serialize;

use crate::detect::detect_by_name;
use crate::keys::display_name;
use crate::listing::{category_folders, Folder, Listing, NameFilter, SortKey};
use crate::storage::{Bucket, ObjectEntry, ObjectInfo};
use crate::tenant::{ObjectKey, Prefix, TenantId};
use crate::{Error, Result};

/// One object as a file manager shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FileEntry {
    pub key: String,
    /// The name people see: the key's last segment without the upload stamp.
    pub name: String,
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub size: u64,
    /// RFC 3339.
    pub modified: Option<String>,
    /// By the name's extension; the listing carries no Content-Type.
    pub content_type: String,
}

impl From<ObjectEntry> for FileEntry {
    fn from(entry: ObjectEntry) -> Self {
        FileEntry {
            name: display_name(&entry.key).to_string(),
            content_type: detect_by_name(&entry.key).content_type.to_string(),
            size: entry.size,
            modified: entry.last_modified.map(crate::wire::time),
            key: entry.key,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FolderPage {
    pub folders: Vec<Folder>,
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FolderTotals {
    pub folders: u32,
    pub files: u32,
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub bytes: u64,
}

#[derive(Debug, Clone, Default)]
pub struct BrowseOptions {
    /// Every key below the prefix instead of one level.
    pub recursive: bool,
    pub filter: Option<NameFilter>,
    /// Keys in the first request, fewer than the server's 1,000 for the first rows sooner
    /// (`FIRST_PAGE` for a window); the rest follows in full pages.
    pub first_page: Option<i32>,
}

/// A first page that fills a window: a listing of 100 keys came back from SeaweedFS in 10 ms
/// where 1,000 took 55-64 ms, and a window shows a few dozen rows.
pub const FIRST_PAGE: i32 = 100;

/// Whether a top-level name is Cubby's own (".cubby/") or otherwise not a tenant: the bucket's
/// root shows tenants only.
fn hidden_at_root(name: &str) -> bool {
    let first = name.split('/').next().unwrap_or(name);
    first.starts_with('.') || (name.contains('/') && TenantId::parse(first).is_err())
}

/// Lists `prefix` as a folder ("" is the bucket's root), handing each page to `on_page` as it
/// arrives, and returns what was shown in all. A tenant's own folder starts with its three
/// categories, present or not, and no folder is shown twice.
pub async fn browse(
    bucket: &Bucket,
    prefix: &Prefix,
    options: &BrowseOptions,
    on_page: impl FnMut(FolderPage) -> Result<()>,
) -> Result<FolderTotals> {
    browse_indexed(bucket, prefix, options, None, on_page).await
}

/// `browse`, writing every object the listing returns into the search index (`seen`) on the
/// way; a listing that ends whole replaces what the index held for it.
pub async fn browse_indexed(
    bucket: &Bucket,
    prefix: &Prefix,
    options: &BrowseOptions,
    index: Option<crate::seen::Recorder>,
    mut on_page: impl FnMut(FolderPage) -> Result<()>,
) -> Result<FolderTotals> {
    let prefix = prefix.as_folder();
    let keep = |name: &str| options.filter.as_ref().is_none_or(|f| f.matches(name));
    let mut totals = FolderTotals::default();
    let mut seen: Vec<String> = Vec::new();
    if let (Some(tenant), false) = (prefix.tenant(), options.recursive) {
        if prefix.as_str() == tenant.prefix() {
            let first = category_folders(&tenant);
            seen.extend(first.iter().map(|f| f.prefix.clone()));
            totals.folders += first.len() as u32;
            on_page(FolderPage {
                folders: first,
                files: Vec::new(),
            })?;
        }
    }
    let category_of = |p: &str| {
        let tenant = prefix.tenant()?;
        category_folders(&tenant)
            .into_iter()
            .find(|f| f.prefix == p)?
            .category
    };
    let mut listing = Listing::new(bucket, &prefix, options.recursive).first_page(options.first_page);
    while let Some(page) = listing.next_page().await? {
        if let Some(index) = &index {
            index.page(&page.objects);
        }
        let mut folders = Vec::new();
        for p in page.prefixes {
            if seen.contains(&p) || (prefix.is_root() && hidden_at_root(&p)) || !keep(&p) {
                continue;
            }
            seen.push(p.clone());
            let category = category_of(&p);
            folders.push(Folder::at(p, category));
        }
        let files: Vec<FileEntry> = page
            .objects
            .into_iter()
            // The folder's own marker object ("acme/documents/") is not a file in it.
            .filter(|o| o.key != prefix.as_str())
            .filter(|o| !(prefix.is_root() && o.key.starts_with('.')))
            .filter(|o| keep(&o.key))
            .map(FileEntry::from)
            .collect();
        totals.folders += folders.len() as u32;
        totals.files += files.len() as u32;
        totals.bytes += files.iter().map(|f| f.size).sum::<u64>();
        on_page(FolderPage { folders, files })?;
    }
    if let Some(index) = index {
        // Search is a convenience: a listing stands even when the index cannot be written.
        match tokio::task::spawn_blocking(move || index.finish()).await {
            Ok(Err(e)) => tracing::warn!("the search index was not updated: {e}"),
            Err(e) => tracing::warn!("the search index was not updated: {e}"),
            Ok(Ok(())) => {}
        }
    }
    Ok(totals)
}

/// Orders files by the stored key, size or modification time (ties by key).
pub fn sort(files: &mut [FileEntry], key: SortKey, descending: bool) {
    files.sort_by(|a, b| {
        let order = match key {
            SortKey::Name => a.key.cmp(&b.key),
            SortKey::Size => a.size.cmp(&b.size).then_with(|| a.key.cmp(&b.key)),
            // RFC 3339 in UTC sorts as text.
            SortKey::Date => a.modified.cmp(&b.modified).then_with(|| a.key.cmp(&b.key)),
        };
        if descending {
            order.reverse()
        } else {
            order
        }
    });
}

/// An object's details as the server reports them (HEAD), with the name people see and its
/// tenant.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ObjectDetails {
    #[serde(flatten)]
    pub info: ObjectInfo,
    pub name: String,
    pub tenant: Option<String>,
}

pub async fn details(bucket: &Bucket, key: &ObjectKey) -> Result<ObjectDetails> {
    let info = bucket.head(key.as_str()).await?;
    Ok(ObjectDetails {
        name: display_name(&info.key).to_string(),
        tenant: key.tenant().map(|t| t.to_string()),
        info,
    })
}

/// Largest image the window previews; bigger ones offer a download instead.
pub const PREVIEW_LIMIT: u64 = 20 * 1024 * 1024;

/// What a preview shows: the type by the name (the stored type can be anything a client sent),
/// the size, and the bytes of an image small enough to render.
pub struct Preview {
    pub content_type: String,
    pub size: u64,
    pub bytes: Option<Vec<u8>>,
}

/// The bytes of an image for a preview: one GET of at most `PREVIEW_LIMIT` + 1 bytes gives the
/// size and the bytes of one version together (no HEAD first that another writer could
/// outdate, and never an unbounded read). Other types (PDFs open in the desktop's viewer;
/// SVG can carry script) get their size only.
pub async fn preview(bucket: &Bucket, key: &ObjectKey) -> Result<Preview> {
    let content_type = detect_by_name(key.as_str()).content_type.to_string();
    let previewable = content_type.starts_with("image/") && content_type != "image/svg+xml";
    if !previewable {
        let size = bucket.head(key.as_str()).await?.size;
        return Ok(Preview {
            content_type,
            size,
            bytes: None,
        });
    }
    let fetched = match bucket.get_range(key.as_str(), 0, Some(PREVIEW_LIMIT), None).await {
        Ok(fetched) => fetched,
        // An empty object has no byte 0 to range over (416): nothing to render anyway.
        Err(e) => match bucket.head(key.as_str()).await {
            Ok(info) if info.size == 0 => {
                return Ok(Preview {
                    content_type,
                    size: 0,
                    bytes: None,
                })
            }
            _ => return Err(e),
        },
    };
    if fetched.total > PREVIEW_LIMIT {
        return Ok(Preview {
            content_type,
            size: fetched.total,
            bytes: None,
        });
    }
    let bytes = fetched
        .body
        .collect()
        .await
        .map_err(|e| Error::Unreachable(format!("preview of '{key}' was interrupted: {e}")))?;
    Ok(Preview {
        content_type,
        size: fetched.total,
        bytes: Some(bytes.into_bytes().to_vec()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorting_by_each_column() {
        let entry = |key: &str, size: u64, secs: i64| {
            FileEntry::from(ObjectEntry {
                key: key.into(),
                size,
                etag: None,
                last_modified: chrono::DateTime::from_timestamp(secs, 0),
            })
        };
        let mut v = vec![entry("b", 1, 30), entry("a", 3, 10), entry("c", 2, 20)];
        let keys = |v: &[FileEntry]| v.iter().map(|e| e.key.clone()).collect::<Vec<_>>();
        sort(&mut v, SortKey::Size, false);
        assert_eq!(keys(&v), ["b", "c", "a"]);
        sort(&mut v, SortKey::Date, true);
        assert_eq!(keys(&v), ["b", "c", "a"]);
        sort(&mut v, SortKey::Name, false);
        assert_eq!(keys(&v), ["a", "b", "c"]);
    }

    #[test]
    fn the_root_shows_tenants_only() {
        assert!(hidden_at_root(".cubby/"));
        assert!(hidden_at_root(".cubby/links/x"));
        assert!(hidden_at_root("not a tenant/"));
        assert!(!hidden_at_root("acme-corp/"));
        assert!(!hidden_at_root("acme-corp/documents/a.pdf"));
        assert!(
            !hidden_at_root("readme.txt"),
            "a plain file at the root is still shown"
        );
    }

    #[tokio::test]
    async fn a_short_first_page_comes_first_and_the_rest_follows_whole() {
        let bucket = Bucket::in_memory("b");
        for i in 0..1_205 {
            bucket
                .put(&format!("acme/documents/{i:05}.pdf"), vec![1], None)
                .await
                .expect("put");
        }
        let prefix = Prefix::parse("acme/documents/").expect("prefix");
        let options = BrowseOptions {
            first_page: Some(FIRST_PAGE),
            ..BrowseOptions::default()
        };
        let mut pages = Vec::new();
        let totals = browse(&bucket, &prefix, &options, |page| {
            pages.push(page.files.len());
            Ok(())
        })
        .await
        .expect("browse");
        assert_eq!(pages, [FIRST_PAGE as usize, 1_000, 105]);
        assert_eq!(totals.files, 1_205);
    }
}
