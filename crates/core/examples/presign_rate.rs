//! How fast Cubby signs share links: presigns COUNT GET URLs (default 100,000) with
//! `Bucket::presign_get_at` for one fixed clock, one after another, and prints
//! `{"count", "seconds", "per_second", "sample_url"}` as JSON. Signing needs no network, so
//! any endpoint works; `make bench` points it at its SeaweedFS and checks the sample URL there.
//!
//! `cargo run --release --example presign_rate -p cubby-core -- [COUNT]`, with the endpoint,
//! bucket and keys taken from `CLOUDFLARE_R2_ENDPOINT`, `_BUCKET_NAME`, `_ACCESS_KEY_ID` and
//! `_SECRET_ACCESS_KEY` when set.

use std::time::{Duration, Instant, SystemTime};

use cubby_core::profile::{Origin, DEFAULT_EXPIRY_SECS};
use cubby_core::{Bucket, Credentials, Profile, Secret};

fn var(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let count: usize = match std::env::args().nth(1) {
        Some(text) => text.parse()?,
        None => 100_000,
    };
    let profile = Profile {
        name: "bench".into(),
        account_id: None,
        jurisdiction: None,
        endpoint: Some(var("CLOUDFLARE_R2_ENDPOINT", "http://127.0.0.1:9000")),
        bucket: var("CLOUDFLARE_R2_BUCKET_NAME", "bench"),
        public_url: None,
        signed_url_expiry: DEFAULT_EXPIRY_SECS,
        direct_upload: false,
        allow_http: false,
        origin: Origin::Env,
        checked: None,
    };
    let credentials = Credentials::new(
        var("CLOUDFLARE_R2_ACCESS_KEY_ID", "BENCHACCESSKEY000001"),
        Secret::new(var("CLOUDFLARE_R2_SECRET_ACCESS_KEY", "bench-secret")),
    );
    let bucket = Bucket::connect(&profile, &credentials)?;
    let expires = Duration::from_secs(3600);
    // One clock reading for every link, so the loop measures signing and nothing else.
    let clock = SystemTime::now();
    let mut sample_url = String::new();
    let mut total_len = 0usize;
    let started = Instant::now();
    for i in 0..count {
        let url = bucket
            .presign_get_at(&format!("presign/{i:06}.bin"), expires, clock, None)
            .await?;
        total_len += url.len();
        if i == 0 {
            sample_url = url;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let out = serde_json::json!({
        "count": count,
        "seconds": seconds,
        "per_second": if seconds > 0.0 { count as f64 / seconds } else { 0.0 },
        "mean_url_bytes": total_len.checked_div(count).unwrap_or(0),
        "sample_url": sample_url,
    });
    println!("{out}");
    Ok(())
}
