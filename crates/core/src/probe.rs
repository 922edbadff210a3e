//! The connection test: does the endpoint answer, are the keys right, does the bucket exist,
//! may we write? Each step explained in plain words.
//!
//! It needs no more privilege than Cubby itself: bucket-scoped R2 tokens cannot list buckets,
//! so ListBuckets is never used. The write step is optional (`ProbeOptions::write`) because
//! it leaves a trace: it writes and deletes one small object under `.cubby/`.

use rand::distr::{Alphanumeric, SampleString};
use serde::Serialize;

use crate::error::AuthFailure;
use crate::storage::Bucket;
use crate::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum StepId {
    Reach,
    Credentials,
    Bucket,
    Write,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    Ok,
    Failed,
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ConnectionStep {
    pub id: StepId,
    pub label: String,
    pub status: StepStatus,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ConnectionReport {
    /// True when Cubby can browse the bucket; a failed write step alone leaves it true
    /// (a read-only token) and says so in the summary.
    pub ok: bool,
    pub summary: String,
    pub steps: Vec<ConnectionStep>,
    /// The stable error code of the failure that decided the outcome, for scripts.
    pub code: Option<String>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ProbeOptions {
    pub write: bool,
}

pub async fn probe(bucket: &Bucket, options: ProbeOptions) -> ConnectionReport {
    let endpoint = bucket.endpoint().host_str().unwrap_or("endpoint").to_string();
    let mut steps = vec![
        step(StepId::Reach, format!("Reach {endpoint}")),
        step(StepId::Credentials, "Credentials accepted".into()),
        step(
            StepId::Bucket,
            format!("Bucket '{}' exists and is readable", bucket.name()),
        ),
    ];
    if options.write {
        steps.push(step(StepId::Write, "Write permission".into()));
    }
    let mut set = |id: StepId, status: StepStatus, detail: Option<String>| {
        if let Some(s) = steps.iter_mut().find(|s| s.id == id) {
            s.status = status;
            s.detail = detail;
        }
    };

    let listed = bucket.list_page("", None, None, Some(1)).await;
    let failure = match listed {
        Ok(_) => {
            set(StepId::Reach, StepStatus::Ok, None);
            set(StepId::Credentials, StepStatus::Ok, None);
            set(StepId::Bucket, StepStatus::Ok, None);
            None
        }
        Err(e) => {
            match &e {
                Error::Unreachable(m) => set(StepId::Reach, StepStatus::Failed, Some(m.clone())),
                Error::Auth {
                    kind: AuthFailure::AccessDenied,
                    message,
                } => {
                    set(StepId::Reach, StepStatus::Ok, None);
                    set(StepId::Credentials, StepStatus::Ok, None);
                    set(StepId::Bucket, StepStatus::Failed, Some(message.clone()));
                }
                Error::Auth { message, .. } => {
                    set(StepId::Reach, StepStatus::Ok, None);
                    set(StepId::Credentials, StepStatus::Failed, Some(message.clone()));
                }
                Error::NotFound(m) | Error::NoSuchBucket(m) => {
                    set(StepId::Reach, StepStatus::Ok, None);
                    set(StepId::Credentials, StepStatus::Ok, None);
                    set(StepId::Bucket, StepStatus::Failed, Some(m.clone()));
                }
                other => {
                    set(StepId::Reach, StepStatus::Ok, None);
                    set(StepId::Credentials, StepStatus::Failed, Some(other.to_string()));
                }
            }
            Some(e)
        }
    };
    if let Some(e) = failure {
        return ConnectionReport {
            ok: false,
            summary: e.to_string(),
            steps,
            code: Some(e.code().to_string()),
        };
    }

    let mut summary = format!("Connected to bucket '{}' at {endpoint}.", bucket.name());
    if options.write {
        let key = format!(
            ".cubby/connection-test-{}",
            Alphanumeric.sample_string(&mut rand::rng(), 12)
        );
        match bucket
            .put(&key, b"cubby connection test".to_vec(), Some("text/plain"))
            .await
        {
            Ok(_) => {
                let detail = match bucket.delete(&key).await {
                    Ok(()) => None,
                    Err(e) => Some(format!(
                        "wrote a test object but could not delete it ({e}): remove {key}"
                    )),
                };
                set(StepId::Write, StepStatus::Ok, detail);
            }
            Err(e) => {
                summary = format!(
                    "Connected to bucket '{}' read-only: uploads will fail until the token may write.",
                    bucket.name()
                );
                set(StepId::Write, StepStatus::Failed, Some(e.to_string()));
            }
        }
    }
    ConnectionReport {
        ok: true,
        summary,
        steps,
        code: None,
    }
}

fn step(id: StepId, label: String) -> ConnectionStep {
    ConnectionStep {
        id,
        label,
        status: StepStatus::Skipped,
        detail: None,
    }
}
