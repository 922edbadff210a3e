//! Human formatting for the terminal: sizes in base 1000 (as file managers show them) and local
//! times.

use chrono::{DateTime, Local, Utc};

pub use cubby_core::format_bytes as bytes;

pub fn when(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

/// An RFC 3339 time as `when` shows it; "" when there is none or it does not parse.
pub fn when_text(rfc3339: Option<&str>) -> String {
    rfc3339
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| when(t.to_utc()))
        .unwrap_or_default()
}

/// Parses sizes like `64MiB`, `100MB`, `5GiB`, `1048576`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a size: write e.g. 64MiB or 100MB"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1000,
        "kib" => 1 << 10,
        "m" | "mb" => 1000 * 1000,
        "mib" => 1 << 20,
        "g" | "gb" => 1000 * 1000 * 1000,
        "gib" => 1 << 30,
        _ => {
            return Err(format!(
                "unknown size unit in '{text}': use B, KB, MB, GB, KiB, MiB or GiB"
            ))
        }
    };
    Ok((number * factor as f64) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_and_print() {
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(182_000), "182.0 KB");
        assert_eq!(bytes(1_200_000), "1.2 MB");
        assert_eq!(parse_size("64MiB").unwrap(), 64 << 20);
        assert_eq!(parse_size("100MB").unwrap(), 100_000_000);
        assert_eq!(parse_size("1048576").unwrap(), 1_048_576);
        assert!(parse_size("12 parsecs").is_err());
    }
}
