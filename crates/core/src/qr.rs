//! QR codes for links: for the terminal (`cubby share --qr`) and as SVG for the window.

use qrcode::render::{svg, unicode};
use qrcode::{EcLevel, QrCode};

use crate::{Error, Result};

fn code(text: &str) -> Result<QrCode> {
    // Medium error correction: presigned URLs are long, and M keeps the code scannable on screens.
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| Error::invalid(format!("cannot make a QR code of this link: {e}")))
}

/// Two modules per character cell, dark on light, with the quiet zone scanners need.
pub fn terminal(text: &str) -> Result<String> {
    Ok(code(text)?
        .render::<unicode::Dense1x2>()
        .dark_color(unicode::Dense1x2::Light)
        .light_color(unicode::Dense1x2::Dark)
        .quiet_zone(true)
        .build())
}

pub fn svg(text: &str) -> Result<String> {
    Ok(code(text)?
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
        let image = svg(&url).unwrap();
        assert!(image.starts_with("<?xml") && image.contains("<svg"));
    }
}
