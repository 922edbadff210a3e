//! Tenant names, the Usage view, the search box and the Migration window: adapters over
//! `cubby_core::names`, `usage`, `seen` and `migrate`.

use cubby_core::migrate::{
    Migration, Options as MigrateOptions, Plan, Progress as MigrateProgress, Report as MigrateReport,
};
use cubby_core::names::{self, TenantEntry};
use cubby_core::seen::{self, Findings, Recorder};
use cubby_core::tenant::{Prefix, TenantId};
use cubby_core::usage::{self, Prices, UsageReport};
use cubby_core::{Error, Session};
use tauri::ipc::Channel;
use tauri::State;

use crate::error::IpcResult;
use crate::state::AppState;

/// Every tenant with its name, those added before their first file included.
#[tauri::command]
#[specta::specta]
pub async fn tenant_directory(state: State<'_, AppState>) -> IpcResult<Vec<TenantEntry>> {
    let session = state.session().await?;
    Ok(names::directory(&session.bucket).await?)
}

/// Adds a tenant before its first file, with a name when one is given.
#[tauri::command]
#[specta::specta]
pub async fn add_tenant(
    state: State<'_, AppState>,
    id: String,
    name: Option<String>,
) -> IpcResult<Vec<TenantEntry>> {
    let tenant = TenantId::parse(&id)?;
    let session = state.session().await?;
    let name = name.filter(|n| !n.trim().is_empty());
    names::add(&session.bucket, &tenant, name.as_deref(), chrono::Utc::now()).await?;
    Ok(names::directory(&session.bucket).await?)
}

/// Names a tenant (an empty name clears it).
#[tauri::command]
#[specta::specta]
pub async fn rename_tenant(
    state: State<'_, AppState>,
    id: String,
    name: String,
) -> IpcResult<Vec<TenantEntry>> {
    let tenant = TenantId::parse(&id)?;
    let session = state.session().await?;
    let name = Some(name).filter(|n| !n.trim().is_empty());
    names::rename(&session.bucket, &tenant, name.as_deref()).await?;
    Ok(names::directory(&session.bucket).await?)
}

/// The last usage report made here for this bucket (and tenant), if any: shown at once, with
/// its age, while a fresh one is made.
#[tauri::command]
#[specta::specta]
pub async fn cached_usage(
    state: State<'_, AppState>,
    tenant: Option<String>,
    download_gb: f64,
) -> IpcResult<Option<UsageReport>> {
    let tenant = tenant.as_deref().map(TenantId::parse).transpose()?;
    let session = state.session().await?;
    let prices = Prices::load(&state.dirs)?;
    let scope = tenant.as_ref().map(|t| t.to_string());
    Ok(
        usage::cached(&state.dirs, &seen::bucket_id(&session.profile), scope.as_deref()).map(|mut r| {
            r.cost = usage::cost(r.bytes, download_gb, &prices);
            r
        }),
    )
}

/// Lists the bucket (or one tenant) and sums it up; the report is cached and the listing
/// fills the search index.
#[tauri::command]
#[specta::specta]
pub async fn usage_report(
    state: State<'_, AppState>,
    tenant: Option<String>,
    download_gb: f64,
) -> IpcResult<UsageReport> {
    let tenant = tenant.as_deref().map(TenantId::parse).transpose()?;
    let session = state.session().await?;
    let prices = Prices::load(&state.dirs)?;
    let bucket_id = seen::bucket_id(&session.profile);
    let prefix = tenant.as_ref().map(|t| t.prefix()).unwrap_or_default();
    let index = Recorder::start(&state.dirs, bucket_id.clone(), &prefix, true).ok();
    let report = usage::summarize(
        &session.bucket,
        tenant.as_ref(),
        download_gb.max(0.0),
        &prices,
        index,
    )
    .await?;
    if let Err(e) = usage::remember(&state.dirs, &bucket_id, &report) {
        tracing::warn!("the usage report was not cached: {e}");
    }
    Ok(report)
}

/// The price table the cost estimate uses.
#[tauri::command]
#[specta::specta]
pub fn get_prices(state: State<'_, AppState>) -> IpcResult<Prices> {
    Ok(Prices::load(&state.dirs)?)
}

/// Saves an edited price table.
#[tauri::command]
#[specta::specta]
pub fn set_prices(state: State<'_, AppState>, prices: Prices) -> IpcResult<Prices> {
    prices.save(&state.dirs)?;
    Ok(prices)
}

/// Files whose name contains `text`, across tenants (or in one), from what listings have seen;
/// `refresh` lists the bucket (or the tenant) whole first.
#[tauri::command]
#[specta::specta]
pub async fn find_files(
    state: State<'_, AppState>,
    text: String,
    tenant: Option<String>,
    refresh: bool,
) -> IpcResult<Findings> {
    let tenant = tenant.as_deref().map(TenantId::parse).transpose()?;
    let session = state.session().await?;
    let bucket_id = seen::bucket_id(&session.profile);
    if refresh {
        let prefix = tenant.as_ref().map(|t| t.prefix()).unwrap_or_default();
        seen::index_whole(&state.dirs, &session.bucket, bucket_id.clone(), &prefix).await?;
    }
    let dirs = state.dirs.clone();
    let scope = tenant.map(|t| t.to_string());
    Ok(
        tokio::task::spawn_blocking(move || seen::find(&dirs, &bucket_id, &text, scope.as_deref(), 200))
            .await
            .map_err(|e| Error::Storage(format!("the search index stopped: {e}")))??,
    )
}

/// The migration between two profiles' buckets.
async fn migration(
    state: &AppState,
    from: &str,
    to: &str,
    prefix: String,
    overwrite: bool,
) -> cubby_core::Result<(Migration, Session, Session)> {
    if !prefix.is_empty() {
        Prefix::parse(&prefix)?;
    }
    let source = Session::open(state.host(), Some(from)).await?;
    let dest = Session::open(state.host(), Some(to)).await?;
    let (source_id, dest_id) = (seen::bucket_id(&source.profile), seen::bucket_id(&dest.profile));
    if source_id == dest_id {
        return Err(Error::invalid(format!(
            "'{from}' and '{to}' name the same bucket: choose two different buckets"
        )));
    }
    let migration = Migration {
        source: source.bucket.clone(),
        dest: dest.bucket.clone(),
        source_id,
        dest_id,
        options: MigrateOptions {
            prefix,
            overwrite,
            ..MigrateOptions::default()
        },
    };
    // The sessions are returned so a sandbox either of them started keeps running meanwhile.
    Ok((migration, source, dest))
}

/// What migrating `from`'s bucket into `to`'s would do: counts, bytes, estimated time.
#[tauri::command]
#[specta::specta]
pub async fn migration_plan(
    state: State<'_, AppState>,
    from: String,
    to: String,
    prefix: String,
    overwrite: bool,
) -> IpcResult<Plan> {
    let (migration, _source, _dest) = migration(&state, &from, &to, prefix, overwrite).await?;
    Ok(migration.plan(&state.dirs).await?)
}

/// Copies `from`'s bucket into `to`'s, verified and resumable; progress goes to `on_progress`.
#[tauri::command]
#[specta::specta]
pub async fn run_migration(
    state: State<'_, AppState>,
    from: String,
    to: String,
    prefix: String,
    overwrite: bool,
    on_progress: Channel<MigrateProgress>,
) -> IpcResult<MigrateReport> {
    let (migration, _source, _dest) = migration(&state, &from, &to, prefix, overwrite).await?;
    let cancel = tokio_util::sync::CancellationToken::new();
    {
        let mut running = state.migration.lock().unwrap_or_else(|e| e.into_inner());
        if running.as_ref().is_some_and(|t| !t.is_cancelled()) {
            return Err(Error::invalid("a migration is already running: wait for it or cancel it").into());
        }
        *running = Some(cancel.clone());
    }
    let last = std::sync::Mutex::new(std::time::Instant::now() - std::time::Duration::from_secs(1));
    let report = migration
        .run(&state.dirs, &cancel, move |p| {
            // At most five a second, and always the last one.
            let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
            if last.elapsed().as_millis() >= 200 || p.done.objects + p.failed >= p.total.objects {
                *last = std::time::Instant::now();
                let _ = on_progress.send(p);
            }
        })
        .await;
    state.migration.lock().unwrap_or_else(|e| e.into_inner()).take();
    Ok(report?)
}

/// Stops the running migration: no object starts after this; those in flight finish.
#[tauri::command]
#[specta::specta]
pub fn cancel_migration(state: State<'_, AppState>) -> IpcResult<bool> {
    let running = state.migration.lock().unwrap_or_else(|e| e.into_inner());
    Ok(match running.as_ref() {
        Some(token) => {
            token.cancel();
            true
        }
        None => false,
    })
}
