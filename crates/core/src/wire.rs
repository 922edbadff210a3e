//! How values look wherever Cubby writes JSON (the CLI's `--json`, the window's IPC): one
//! form each, so a script reads every command the same way.
//!
//! - Sizes: `size` is one object's or file's bytes; `bytes` is a total over many.
//! - ETags: as the value, without the quotes HTTP puts around it.
//! - Times: RFC 3339 in UTC to the second, e.g. `2026-12-01T06:16:03Z`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serializer;

use crate::transfer::clean_etag;

pub fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn optional_time<S: Serializer>(at: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => s.serialize_str(&time(*at)),
        None => s.serialize_none(),
    }
}

pub fn etag<S: Serializer>(etag: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&clean_etag(etag))
}

pub fn optional_etag<S: Serializer>(etag: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match etag {
        Some(etag) => s.serialize_str(&clean_etag(etag)),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct Sample {
        #[serde(serialize_with = "optional_time")]
        at: Option<DateTime<Utc>>,
        #[serde(serialize_with = "optional_etag")]
        etag: Option<String>,
    }

    #[test]
    fn times_are_utc_seconds_and_etags_lose_their_quotes() {
        let at = DateTime::parse_from_rfc3339("2026-12-01T07:16:03.123456+01:00")
            .unwrap()
            .to_utc();
        let json = serde_json::to_value(Sample {
            at: Some(at),
            etag: Some("\"9b2cf535f27731c974343645a3985328-3\"".into()),
        })
        .unwrap();
        assert_eq!(json["at"], "2026-12-01T06:16:03Z");
        assert_eq!(json["etag"], "9b2cf535f27731c974343645a3985328-3");
    }
}
