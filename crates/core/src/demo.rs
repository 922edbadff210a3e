//! Demo data for the sandbox: two tenants with receipts, images and PDFs laid out as the seed's
//! backend lays them out, so a newcomer sees a real tree on first launch.

use chrono::{DateTime, Duration, Utc};

use crate::keys::scheme_key;
use crate::storage::Bucket;
use crate::tenant::{Category, ObjectKey, TenantId};
use crate::Result;

const RECEIPT_JPG: &[u8] = include_bytes!("../assets/demo/receipt.jpg");
const STOREFRONT_PNG: &[u8] = include_bytes!("../assets/demo/storefront.png");

pub const TENANTS: [&str; 2] = ["acme-corp", "globex"];

/// Uploads the demo objects of each demo tenant that holds nothing yet, so seeding twice
/// does not double the demo; returns how many were written.
pub async fn seed(bucket: &Bucket, now: DateTime<Utc>) -> Result<usize> {
    let mut written = 0;
    for (t, tenant) in TENANTS.iter().enumerate() {
        let tenant = TenantId::parse(tenant)?;
        let existing = bucket.list_page(&tenant.prefix(), None, None, Some(1)).await?;
        if !existing.objects.is_empty() {
            continue;
        }
        let day = |d: i64| now - Duration::days(d + t as i64) - Duration::minutes(17 * d);
        let objects: Vec<(ObjectKey, Vec<u8>, &str)> = vec![
            (
                scheme_key(&tenant, Category::Documents, day(0), "receipt.jpg")?,
                RECEIPT_JPG.to_vec(),
                "image/jpeg",
            ),
            (
                scheme_key(&tenant, Category::Documents, day(1), "invoice.pdf")?,
                pdf(&format!("Invoice for {tenant}")),
                "application/pdf",
            ),
            (
                scheme_key(&tenant, Category::Documents, day(3), "expenses-q1.csv")?,
                csv(),
                "text/csv",
            ),
            (
                scheme_key(&tenant, Category::Images, day(2), "storefront.png")?,
                STOREFRONT_PNG.to_vec(),
                "image/png",
            ),
            (
                scheme_key(&tenant, Category::Uploads, day(4), "contract-signed.pdf")?,
                pdf("Signed contract"),
                "application/pdf",
            ),
        ];
        for (key, body, content_type) in objects {
            bucket.put(key.as_str(), body, Some(content_type)).await?;
            written += 1;
        }
    }
    Ok(written)
}

fn csv() -> Vec<u8> {
    b"date,merchant,amount\n2025-01-27,Corner Cafe,8.80\n2025-01-28,Office Supplies Ltd,42.15\n".to_vec()
}

/// A small valid one-page PDF with a line of text (base-14 font, so no font is embedded).
fn pdf(text: &str) -> Vec<u8> {
    let text: String = text
        .chars()
        .filter(|c| c.is_ascii() && !matches!(c, '(' | ')' | '\\'))
        .collect();
    let stream = format!("BT /F1 24 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_tenants_are_valid_and_content_types_match_detection() {
        use crate::detect::detect;
        for tenant in TENANTS {
            TenantId::parse(tenant).unwrap();
        }
        assert_eq!(detect(RECEIPT_JPG, "receipt.jpg").content_type, "image/jpeg");
        assert_eq!(detect(STOREFRONT_PNG, "storefront.png").content_type, "image/png");
        assert_eq!(detect(&pdf("x"), "invoice.pdf").content_type, "application/pdf");
        assert_eq!(detect(&csv(), "expenses-q1.csv").content_type, "text/csv");
    }

    #[test]
    fn pdf_xref_offsets_point_at_objects() {
        let doc = pdf("Hello");
        let text = String::from_utf8(doc.clone()).unwrap();
        assert!(text.starts_with("%PDF-1.4") && text.ends_with("%%EOF\n"));
        let start: usize = text.lines().rev().nth(1).unwrap().parse().unwrap();
        assert!(text[start..].starts_with("xref"));
        let first: usize = text[start..].lines().nth(3).unwrap()[..10].parse().unwrap();
        assert!(text[first..].starts_with("1 0 obj"));
    }
}
