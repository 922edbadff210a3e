//! Usage and cost: objects and bytes per tenant and category, growth by month, the largest
//! files, and what the bucket costs a month on R2 against S3, from one recursive listing.
//!
//! Nothing is HEADed: the listing's sizes and LastModified dates are all it needs, so a bucket
//! of 100,000 objects costs 100 ListObjectsV2 requests. The listing also fills the search index
//! (`seen`), and the report is cached with its time, so the window shows the last one at once
//! and says how old it is.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::listing::Listing;
use crate::paths::write_atomically;
use crate::seen::Recorder;
use crate::storage::{Bucket, ObjectEntry};
use crate::tenant::{Category, Prefix, TenantId};
use crate::{Dirs, Error, Result};

/// Files listed as the largest.
const LARGEST: usize = 10;
const GB: f64 = 1_000_000_000.0;

/// Objects and bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Count {
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub objects: u64,
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub bytes: u64,
}

impl Count {
    fn add(&mut self, size: u64) {
        self.objects += 1;
        self.bytes += size;
    }
}

/// What was stored in one month (by LastModified) and is still there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Month {
    /// "2025-01".
    pub month: String,
    #[serde(flatten)]
    pub count: Count,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TenantUsage {
    pub tenant: String,
    /// The name people know it by (`cubby tenants rename`).
    pub name: Option<String>,
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub objects: u64,
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub bytes: u64,
    /// documents, images, uploads (always present), and "other" for any other folder.
    pub categories: BTreeMap<String, Count>,
    pub months: Vec<Month>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LargeFile {
    pub key: String,
    pub tenant: String,
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub size: u64,
    pub modified: Option<String>,
}

/// List prices the estimate uses. The defaults are published list prices; people edit them
/// (`prices.toml` in the config folder, or the window's Usage view) when theirs differ.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Prices {
    /// Where the figures come from.
    pub source: String,
    /// When they were taken from there.
    pub as_of: String,
    pub currency: String,
    /// R2 Standard storage, per GB-month.
    pub r2_storage_gb_month: f64,
    /// R2's free storage per month, GB.
    pub r2_free_gb: f64,
    /// S3 Standard storage, per GB-month (first 50 TB).
    pub s3_storage_gb_month: f64,
    /// S3 data transfer out to the internet, per GB (first 10 TB a month).
    pub s3_egress_gb: f64,
    /// S3's free transfer out per month, GB.
    pub s3_egress_free_gb: f64,
}

impl Default for Prices {
    fn default() -> Self {
        Prices {
            source: "cloudflare.com/developer-platform/products/r2 (R2 Standard) and \
                     aws.amazon.com/s3/pricing (S3 Standard, US East), list prices"
                .into(),
            as_of: "2025-06".into(),
            currency: "USD".into(),
            r2_storage_gb_month: 0.015,
            r2_free_gb: 10.0,
            s3_storage_gb_month: 0.023,
            s3_egress_gb: 0.09,
            s3_egress_free_gb: 100.0,
        }
    }
}

impl Prices {
    fn file(dirs: &Dirs) -> PathBuf {
        dirs.config.join("prices.toml")
    }

    /// The prices in the config folder, else the defaults.
    pub fn load(dirs: &Dirs) -> Result<Prices> {
        let path = Self::file(dirs);
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| {
                Error::Config(format!(
                    "{} is not a price table Cubby can read ({}): fix it or delete it for the defaults",
                    path.display(),
                    e.message()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Prices::default()),
            Err(e) => Err(Error::io(format!("cannot read {}", path.display()), e)),
        }
    }

    pub fn save(&self, dirs: &Dirs) -> Result<()> {
        self.check()?;
        let text = toml::to_string_pretty(self)
            .map_err(|e| Error::Config(format!("cannot write the price table: {e}")))?;
        write_atomically(&Self::file(dirs), text.as_bytes(), false)
    }

    fn check(&self) -> Result<()> {
        let figures = [
            ("R2 storage", self.r2_storage_gb_month),
            ("R2 free storage", self.r2_free_gb),
            ("S3 storage", self.s3_storage_gb_month),
            ("S3 egress", self.s3_egress_gb),
            ("S3 free egress", self.s3_egress_free_gb),
        ];
        for (what, value) in figures {
            if !value.is_finite() || value < 0.0 {
                return Err(Error::invalid(format!(
                    "the {what} price must be a number of 0 or more, not {value}"
                )));
            }
        }
        Ok(())
    }
}

/// What the bucket costs a month on R2 against S3, for what it stores and a monthly download
/// volume the person enters (R2 charges no egress; S3 does).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Cost {
    pub stored_gb: f64,
    pub downloaded_gb: f64,
    pub r2_storage: f64,
    pub r2_egress: f64,
    pub s3_storage: f64,
    pub s3_egress: f64,
    pub r2_total: f64,
    pub s3_total: f64,
    pub prices: Prices,
}

pub fn cost(bytes: u64, downloaded_gb: f64, prices: &Prices) -> Cost {
    let stored_gb = bytes as f64 / GB;
    let downloaded_gb = downloaded_gb.max(0.0);
    let r2_storage = (stored_gb - prices.r2_free_gb).max(0.0) * prices.r2_storage_gb_month;
    let s3_storage = stored_gb * prices.s3_storage_gb_month;
    let s3_egress = (downloaded_gb - prices.s3_egress_free_gb).max(0.0) * prices.s3_egress_gb;
    Cost {
        stored_gb,
        downloaded_gb,
        r2_storage,
        r2_egress: 0.0,
        s3_storage,
        s3_egress,
        r2_total: r2_storage,
        s3_total: s3_storage + s3_egress,
        prices: prices.clone(),
    }
}

/// The whole report, as `cubby usage --json` prints it and the window shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct UsageReport {
    /// When the listing behind it ended, RFC 3339.
    pub generated_at: String,
    /// The tenant it covers; None for the whole bucket.
    pub scope: Option<String>,
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub objects: u64,
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub bytes: u64,
    pub tenants: Vec<TenantUsage>,
    /// The whole scope by month of LastModified, oldest first.
    pub months: Vec<Month>,
    pub largest: Vec<LargeFile>,
    pub cost: Cost,
    /// How long the listing took.
    pub seconds: f64,
}

/// One tenant's running totals: all, by category folder, by month.
type TenantTally = (Count, BTreeMap<String, Count>, BTreeMap<String, Count>);

/// A candidate for the largest files: size, key, modified.
type Big = (u64, String, Option<DateTime<Utc>>);

/// Tallies a listing's pages.
#[derive(Default)]
struct Tally {
    tenants: BTreeMap<String, TenantTally>,
    months: BTreeMap<String, Count>,
    total: Count,
    /// The largest seen so far, smallest on top, so it is the one that leaves.
    largest: BinaryHeap<Reverse<Big>>,
}

impl Tally {
    fn add(&mut self, o: &ObjectEntry) {
        let mut parts = o.key.splitn(3, '/');
        let (Some(tenant), Some(second)) = (parts.next(), parts.next()) else {
            return;
        };
        // Cubby's own files (".cubby/") and anything at the top level are not a tenant's.
        if tenant.starts_with('.') || tenant.is_empty() {
            return;
        }
        let category = match parts.next() {
            Some(_) if Category::ALL.iter().any(|c| c.as_str() == second) => second,
            _ => "other",
        };
        let month = o
            .last_modified
            .map(|t| t.format("%Y-%m").to_string())
            .unwrap_or_else(|| "unknown".into());
        let (count, categories, months) = self.tenants.entry(tenant.to_string()).or_default();
        count.add(o.size);
        categories.entry(category.to_string()).or_default().add(o.size);
        months.entry(month.clone()).or_default().add(o.size);
        self.months.entry(month).or_default().add(o.size);
        self.total.add(o.size);
        self.largest
            .push(Reverse((o.size, o.key.clone(), o.last_modified)));
        if self.largest.len() > LARGEST {
            self.largest.pop();
        }
    }
}

fn months(map: BTreeMap<String, Count>) -> Vec<Month> {
    map.into_iter()
        .map(|(month, count)| Month { month, count })
        .collect()
}

/// Lists `tenant` (or the whole bucket) once and sums it up. `index` is the search index the
/// listing fills on the way, when given.
pub async fn summarize(
    bucket: &Bucket,
    tenant: Option<&TenantId>,
    downloaded_gb: f64,
    prices: &Prices,
    index: Option<Recorder>,
) -> Result<UsageReport> {
    let started = std::time::Instant::now();
    let prefix = match tenant {
        Some(t) => Prefix::parse(&t.prefix())?,
        None => Prefix::root(),
    };
    let mut listing = Listing::new(bucket, &prefix, true);
    let mut tally = Tally::default();
    while let Some(page) = listing.next_page().await? {
        if let Some(index) = &index {
            index.page(&page.objects);
        }
        for o in &page.objects {
            tally.add(o);
        }
    }
    if let Some(index) = index {
        // The report stands without the index; a failed index only costs `find` its rows.
        match tokio::task::spawn_blocking(move || index.finish()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!("the search index was not updated: {e}"),
            Err(e) => tracing::warn!("the search index was not updated: {e}"),
        }
    }
    let names = crate::names::load(bucket)
        .await
        .map(|(d, _)| d)
        .unwrap_or_default();
    let tenants = tally
        .tenants
        .into_iter()
        .map(|(tenant, (count, mut categories, by_month))| {
            for c in Category::ALL {
                categories.entry(c.as_str().to_string()).or_default();
            }
            TenantUsage {
                name: names.name_of(&tenant).map(str::to_string),
                tenant,
                objects: count.objects,
                bytes: count.bytes,
                categories,
                months: months(by_month),
            }
        })
        .collect();
    let mut largest: Vec<LargeFile> = tally
        .largest
        .into_iter()
        .map(|Reverse((size, key, modified))| LargeFile {
            tenant: key.split('/').next().unwrap_or_default().to_string(),
            key,
            size,
            modified: modified.map(crate::wire::time),
        })
        .collect();
    largest.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.key.cmp(&b.key)));
    Ok(UsageReport {
        generated_at: crate::wire::time(Utc::now()),
        scope: tenant.map(|t| t.to_string()),
        objects: tally.total.objects,
        bytes: tally.total.bytes,
        tenants,
        months: months(tally.months),
        largest,
        cost: cost(tally.total.bytes, downloaded_gb, prices),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The last reports, one per bucket and scope, in the data folder.
fn cache_file(dirs: &Dirs) -> PathBuf {
    dirs.data.join("usage-cache.json")
}

fn cache_key(bucket_id: &str, scope: Option<&str>) -> String {
    format!("{bucket_id}#{}", scope.unwrap_or(""))
}

/// The last report for this bucket and scope, if one was made here.
pub fn cached(dirs: &Dirs, bucket_id: &str, scope: Option<&str>) -> Option<UsageReport> {
    let text = std::fs::read(cache_file(dirs)).ok()?;
    let mut all: BTreeMap<String, UsageReport> = serde_json::from_slice(&text).ok()?;
    all.remove(&cache_key(bucket_id, scope))
}

pub fn remember(dirs: &Dirs, bucket_id: &str, report: &UsageReport) -> Result<()> {
    let mut all: BTreeMap<String, UsageReport> = std::fs::read(cache_file(dirs))
        .ok()
        .and_then(|t| serde_json::from_slice(&t).ok())
        .unwrap_or_default();
    all.insert(cache_key(bucket_id, report.scope.as_deref()), report.clone());
    let text =
        serde_json::to_vec(&all).map_err(|e| Error::Storage(format!("cannot cache the report: {e}")))?;
    write_atomically(&cache_file(dirs), &text, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_listing_sums_up_per_tenant_category_and_month() {
        let bucket = Bucket::in_memory("b");
        for (key, size) in [
            ("acme/documents/20250127_123456_abc123_receipt.pdf", 100),
            ("acme/images/logo.png", 2_000),
            ("acme/uploads/2024/scan.pdf", 30),
            ("acme/contracts/nda.pdf", 5),
            ("globex/documents/a.pdf", 7),
            (".cubby/links/register.bin", 1_000_000),
        ] {
            bucket.put(key, vec![0; size], None).await.unwrap();
        }
        crate::names::rename(&bucket, &TenantId::parse("acme").unwrap(), Some("Acme Corp"))
            .await
            .unwrap();
        let report = summarize(&bucket, None, 0.0, &Prices::default(), None)
            .await
            .unwrap();
        assert_eq!(
            (report.objects, report.bytes),
            (5, 2_142),
            "Cubby's own files are not counted"
        );
        let acme = &report.tenants[0];
        assert_eq!(
            (acme.tenant.as_str(), acme.name.as_deref()),
            ("acme", Some("Acme Corp"))
        );
        assert_eq!((acme.objects, acme.bytes), (4, 2_135));
        let c = |name: &str| acme.categories[name];
        assert_eq!(
            c("documents"),
            Count {
                objects: 1,
                bytes: 100
            }
        );
        assert_eq!(
            c("uploads"),
            Count {
                objects: 1,
                bytes: 30
            },
            "nested folders count in their category"
        );
        assert_eq!(c("other"), Count { objects: 1, bytes: 5 });
        let globex = &report.tenants[1];
        assert_eq!(
            globex.categories["images"],
            Count::default(),
            "every category is present"
        );
        assert_eq!(report.largest[0].key, "acme/images/logo.png");
        assert_eq!(report.months.len(), 1);
        assert_eq!(report.months[0].count.objects, 5);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["tenants"][0]["categories"]["documents"]["bytes"], 100);
        assert_eq!(json["months"][0]["objects"], 5);
    }

    #[test]
    fn r2_charges_no_egress_and_both_count_free_tiers() {
        let prices = Prices::default();
        let c = cost(1_000 * GB as u64, 5_000.0, &prices);
        assert!((c.r2_total - 990.0 * 0.015).abs() < 1e-9);
        assert!((c.s3_storage - 1_000.0 * 0.023).abs() < 1e-9);
        assert!((c.s3_egress - 4_900.0 * 0.09).abs() < 1e-9);
        assert_eq!(c.r2_egress, 0.0);
        let small = cost(GB as u64, 0.0, &prices);
        assert_eq!(small.r2_total, 0.0, "within R2's free 10 GB");
    }

    #[test]
    fn edited_prices_are_kept_and_bad_ones_refused() {
        let root = tempfile::tempdir().unwrap();
        let dirs = Dirs::new(root.path().join("c"), root.path().join("d"));
        assert_eq!(Prices::load(&dirs).unwrap(), Prices::default());
        let mut mine = Prices {
            s3_egress_gb: 0.05,
            ..Prices::default()
        };
        mine.save(&dirs).unwrap();
        assert_eq!(Prices::load(&dirs).unwrap().s3_egress_gb, 0.05);
        mine.r2_storage_gb_month = -1.0;
        assert_eq!(mine.save(&dirs).unwrap_err().code(), "invalid_input");
        std::fs::write(dirs.config.join("prices.toml"), "r2_storage_gb_month = 'x'").unwrap();
        assert!(Prices::load(&dirs)
            .unwrap_err()
            .to_string()
            .contains("prices.toml"));
    }
}
