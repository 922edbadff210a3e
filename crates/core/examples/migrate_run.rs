//! Cubby's migration engine (`cubby migrate`) between two endpoints given directly, for the
//! bench: copies every object under `MIGRATE_PREFIX` from `SOURCE_ENDPOINT` to `DEST_ENDPOINT`
//! (same bucket name and keys on both, `CLOUDFLARE_R2_BUCKET_NAME`, `_ACCESS_KEY_ID`,
//! `_SECRET_ACCESS_KEY`), journal in `CUBBY_DATA_DIR`, and prints the report as JSON. Exits 1
//! when any object failed.
//!
//! `cubby migrate` takes two stored profiles, whose secrets live in the keychain; this takes the
//! endpoints from the environment instead, so the bench needs no keychain.

use cubby_core::migrate::{Migration, Options};
use cubby_core::profile::{Origin, DEFAULT_EXPIRY_SECS};
use cubby_core::{Bucket, Credentials, Dirs, Profile, Secret};

fn var(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("set {name}"))
}

fn bucket(endpoint: &str) -> Result<Bucket, Box<dyn std::error::Error>> {
    let profile = Profile {
        name: "bench".into(),
        account_id: None,
        jurisdiction: None,
        endpoint: Some(endpoint.into()),
        bucket: var("CLOUDFLARE_R2_BUCKET_NAME")?,
        public_url: None,
        signed_url_expiry: DEFAULT_EXPIRY_SECS,
        direct_upload: false,
        allow_http: false,
        origin: Origin::Env,
        checked: None,
    };
    let credentials = Credentials::new(
        var("CLOUDFLARE_R2_ACCESS_KEY_ID")?,
        Secret::new(var("CLOUDFLARE_R2_SECRET_ACCESS_KEY")?),
    );
    Ok(Bucket::connect(&profile, &credentials)?)
}

#[tokio::main]
async fn main() -> Result<std::process::ExitCode, Box<dyn std::error::Error>> {
    let (source, dest) = (var("SOURCE_ENDPOINT")?, var("DEST_ENDPOINT")?);
    let data = var("CUBBY_DATA_DIR")?;
    let migration = Migration {
        source: bucket(&source)?,
        dest: bucket(&dest)?,
        source_id: source,
        dest_id: dest,
        options: Options {
            prefix: std::env::var("MIGRATE_PREFIX").unwrap_or_default(),
            ..Options::default()
        },
    };
    let dirs = Dirs::new(format!("{data}/config"), data);
    let report = migration.run(&dirs, &Default::default(), |_| {}).await?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(if report.failed.is_empty() {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::from(1)
    })
}
