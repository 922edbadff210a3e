//! QR codes for links: for the terminal (`cubby share --qr`) and as SVG for the window.

use qrcode::render::{svg, unicode};
use qrcode::{EcLevel, QrCode};

use crate::{Error, Result};

fn code(text: &str, level: EcLevel) -> Result<QrCode> {
    QrCode::with_error_correction_level(text.as_bytes(), level)
        .map_err(|e| Error::invalid(format!("cannot make a QR code of this link: {e}")))
}

/// The width a terminal QR code must fit in: a code whose lines wrap scans as nothing.
pub const TERMINAL_COLUMNS: usize = 80;

/// Two modules per character cell, dark on light, with a quiet zone, in at most
/// `TERMINAL_COLUMNS` columns where the link allows: medium error correction and the standard
/// four-module quiet zone when they fit, else low correction, then a two-module zone (which
/// phone cameras read on a screen).
pub fn terminal(text: &str) -> Result<String> {
    let tries = [(EcLevel::M, 4), (EcLevel::L, 4), (EcLevel::L, 2)];
    let mut chosen = None;
    for (level, zone) in tries {
        let qr = code(text, level)?;
        let fits = qr.width() + 2 * zone <= TERMINAL_COLUMNS;
        chosen = Some((qr, zone));
        if fits {
            break;
        }
    }
    let (qr, zone) = chosen.expect("at least one try");
    let body = qr
        .render::<unicode::Dense1x2>()
        .dark_color(unicode::Dense1x2::Light)
        .light_color(unicode::Dense1x2::Dark)
        .quiet_zone(false)
        .build();
    // The zone in the code's light colour (drawn as full blocks): columns each side, and rows
    // above and below at two modules per line.
    let width = qr.width() + 2 * zone;
    let light_row = "\u{2588}".repeat(width);
    let side = "\u{2588}".repeat(zone);
    let mut lines = Vec::new();
    lines.extend(std::iter::repeat_n(light_row.clone(), zone / 2));
    lines.extend(body.lines().map(|line| format!("{side}{line}{side}")));
    lines.extend(std::iter::repeat_n(light_row, zone / 2));
    Ok(lines.join("\n"))
}

pub fn svg(text: &str) -> Result<String> {
    // Medium error correction: presigned URLs are long, and M keeps the code scannable on screens.
    Ok(code(text, EcLevel::M)?
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .dark_color(svg::Color("#111111"))
        .light_color(svg::Color("#ffffff"))
        .quiet_zone(true)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_long_presigned_url() {
        let url = format!(
            "https://acct.r2.cloudflarestorage.com/bucket/acme/documents/x.pdf?X-Amz-Signature={}",
            "a".repeat(64)
        );
        let text = terminal(&url).unwrap();
        assert!(text.lines().count() > 20);
        assert!(text
            .lines()
            .all(|l| l.chars().count() == text.lines().next().unwrap().chars().count()));
        let image = svg(&url).unwrap();
        assert!(image.starts_with("<?xml") && image.contains("<svg"));
    }

    #[test]
    fn a_real_presigned_url_fits_an_80_column_terminal() {
        // The length of an R2 share link: host, a stamped key, and the SigV4 query.
        let url = format!(
            "https://{}.r2.cloudflarestorage.com/oasys360-prod/acme-corp/documents/20250127_123456_abc123_receipt.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={}%2F20251201%2Fauto%2Fs3%2Faws4_request&X-Amz-Date=20251201T120000Z&X-Amz-Expires=604800&X-Amz-SignedHeaders=host&x-id=GetObject&X-Amz-Signature={}",
            "f".repeat(32),
            "e".repeat(32),
            "a".repeat(64)
        );
        let text = terminal(&url).unwrap();
        let widest = text.lines().map(|l| l.chars().count()).max().unwrap();
        assert!(widest <= TERMINAL_COLUMNS, "{widest} columns");
        // Short links keep the full quiet zone and medium correction.
        let short = terminal("https://example.com/a").unwrap();
        let qr = code("https://example.com/a", EcLevel::M).unwrap();
        assert_eq!(short.lines().next().unwrap().chars().count(), qr.width() + 8);
    }
}
