//! The tenant boundary as types: a bucket holds `{tenant}/{category}/…`, and every list, upload,
//! presign and delete names its target with a `TenantId`, an `ObjectKey` or a `Prefix`, each
//! validated once when it is parsed. A key that parses cannot climb out of its folder ('..'),
//! hide a segment ('.', '//'), carry control characters or exceed R2's length limit, so
//! "is this key inside tenant X" is a plain prefix test on it.
//!
//! This module owns the rules for that text. It deliberately knows nothing of how keys are
//! made (`keys`), what a file contains (`detect`) or where a key lands on disk (`local_path`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

use crate::{Error, Result};

/// R2 refuses keys longer than this many bytes.
pub const MAX_KEY_BYTES: usize = 1024;
/// Longest tenant id, in bytes.
pub const MAX_TENANT_BYTES: usize = 128;

/// How much of a rejected input an error message quotes, in escaped characters.
const SHOWN_CHARS: usize = 80;

/// `text` as an error message may quote it: escaped (so control characters and odd Unicode are
/// visible and cannot break the one-line message) and cut to about 80 characters.
pub(crate) fn escaped(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let piece = c.escape_default().to_string();
        if out.len() + piece.len() > SHOWN_CHARS {
            out.push('…');
            break;
        }
        out.push_str(&piece);
    }
    out
}

/// `{tenant}` of `{tenant}/documents/…`. 1-128 bytes of ASCII letters, digits, '-', '_', '.',
/// not starting with '.'.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(transparent)]
pub struct TenantId(String);

impl TenantId {
    pub fn parse(s: &str) -> Result<TenantId> {
        let problem = if s.is_empty() {
            Some("is empty".to_string())
        } else if s.len() > MAX_TENANT_BYTES {
            Some(format!("is {} bytes long", s.len()))
        } else if s.starts_with('.') {
            Some("starts with '.'".to_string())
        } else {
            s.chars()
                .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
                .map(|c| format!("contains '{}'", c.escape_default()))
        };
        match problem {
            None => Ok(TenantId(s.to_string())),
            Some(problem) => Err(Error::invalid(format!(
                "tenant '{}' {problem}: use 1-{MAX_TENANT_BYTES} ASCII letters, digits, '-', '_' or '.', \
                 not starting with '.'",
                escaped(s)
            ))),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// "acme/": the tenant's folder, with the slash that keeps "acme" from matching "acme-corp".
    pub fn prefix(&self) -> String {
        format!("{}/", self.0)
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for TenantId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        TenantId::parse(s)
    }
}

/// What may be in an object key or a listing prefix, and how each refusal is explained.
#[derive(Clone, Copy)]
struct KeyRules {
    /// Names the input in messages: "object key", "prefix", "path".
    what: &'static str,
    /// A valid example, for the message about empty input.
    example: &'static str,
    /// Prefixes may be "" (the whole bucket).
    allow_empty: bool,
    /// Prefixes may end with '/' (a folder).
    allow_trailing_slash: bool,
}

impl KeyRules {
    const KEY: KeyRules = KeyRules {
        what: "object key",
        example: "acme/documents/a.pdf",
        allow_empty: false,
        allow_trailing_slash: false,
    };
    const PREFIX: KeyRules = KeyRules {
        what: "prefix",
        example: "acme/documents/",
        allow_empty: true,
        allow_trailing_slash: true,
    };

    fn check(self, s: &str) -> Result<()> {
        let what = self.what;
        let refuse = |problem: &str| Err(Error::invalid(format!("{what} '{}' {problem}", escaped(s))));
        if s.is_empty() {
            if self.allow_empty {
                return Ok(());
            }
            return refuse(&format!("is empty: name an object like '{}'", self.example));
        }
        if s.len() > MAX_KEY_BYTES {
            return refuse(&format!(
                "is {} bytes long: R2 allows at most 1,024 bytes, so shorten the name",
                s.len()
            ));
        }
        if let Some(c) = s.chars().find(|c| c.is_control()) {
            return refuse(&format!(
                "contains the control character '{}': keys may not contain control characters",
                c.escape_default()
            ));
        }
        if s.starts_with('/') {
            return refuse("starts with '/': keys are relative to the bucket, so drop the leading '/'");
        }
        let body = match s.strip_suffix('/') {
            Some(body) if self.allow_trailing_slash => body,
            Some(_) => {
                return refuse("ends with '/': that names a folder, not an object, so add a file name");
            }
            None => s,
        };
        for segment in body.split('/') {
            match segment {
                "" => return refuse("has an empty segment ('//'): join its folders with a single '/'"),
                "." => return refuse("has a '.' segment: remove it, keys name folders directly"),
                ".." => return refuse("has a '..' segment: keys may not climb out of their folder"),
                _ => {}
            }
        }
        Ok(())
    }
}

/// The tenant of key-like text: its first segment, but only when a '/' closes it. "acme" alone
/// is an object (or a partial prefix that also matches "acme-corp/…"), not a tenant's folder.
fn tenant_of(text: &str) -> Option<TenantId> {
    let (first, _) = text.split_once('/')?;
    TenantId::parse(first).ok()
}

/// A full object key: no leading '/', no empty segments ("a//b"), no "." or ".." segments, no
/// control characters (incl. NUL, DEL, and Unicode Cc), no trailing '/', valid UTF-8, at most
/// 1,024 bytes (R2's limit).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(transparent)]
pub struct ObjectKey(String);

impl ObjectKey {
    pub fn parse(s: &str) -> Result<ObjectKey> {
        KeyRules::KEY.check(s)?;
        Ok(ObjectKey(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first segment as a tenant, if it is a valid tenant id. A key without any '/' sits at
    /// the bucket's root, outside every tenant, and has none.
    pub fn tenant(&self) -> Option<TenantId> {
        tenant_of(&self.0)
    }

    /// The last segment.
    pub fn name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }

    /// The folder part, up to and including the last '/' ("acme/documents/"; "" at the root).
    pub fn folder(&self) -> &str {
        &self.0[..self.0.len() - self.name().len()]
    }

    /// Whether the key lies in the tenant's folder. A plain prefix test is enough because a
    /// parsed key has no '..' or '.' segments to step back out.
    pub fn is_within(&self, tenant: &TenantId) -> bool {
        self.relative_to(tenant).is_some()
    }

    /// The key without its tenant folder ("documents/a.pdf"), if it lies in that tenant.
    pub fn relative_to(&self, tenant: &TenantId) -> Option<&str> {
        self.0.strip_prefix(tenant.as_str())?.strip_prefix('/')
    }

    /// Joins a tenant and a relative path ("documents/a.pdf") and validates the result; refuses
    /// anything that would leave the tenant.
    pub fn in_tenant(tenant: &TenantId, relative: &str) -> Result<ObjectKey> {
        // The relative part is checked on its own first so the message names what the caller
        // gave, not the joined key.
        KeyRules {
            what: "path",
            example: "documents/a.pdf",
            ..KeyRules::KEY
        }
        .check(relative)?;
        let key = ObjectKey::parse(&format!("{}{relative}", tenant.prefix()))?;
        debug_assert!(key.is_within(tenant));
        Ok(key)
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for ObjectKey {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        ObjectKey::parse(s)
    }
}

impl AsRef<str> for ObjectKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A listing prefix: "" (whole bucket) or key-like text that may end with '/' ("acme/",
/// "acme/documents/", "acme/documents/2025"). Same rules as ObjectKey otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(transparent)]
pub struct Prefix(String);

impl Prefix {
    pub fn parse(s: &str) -> Result<Prefix> {
        KeyRules::PREFIX.check(s)?;
        Ok(Prefix(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The whole bucket.
    pub fn root() -> Prefix {
        Prefix::default()
    }

    /// "acme/": everything of one tenant.
    pub fn of_tenant(tenant: &TenantId) -> Prefix {
        Prefix(tenant.prefix())
    }

    /// "acme/documents/": one category of one tenant.
    pub fn of_category(tenant: &TenantId, category: Category) -> Prefix {
        Prefix(format!("{}{category}/", tenant.prefix()))
    }

    /// The prefix as a folder: "acme" -> "acme/", "" stays "". The folder form of a 1,024-byte
    /// prefix is one byte longer than any key, which is right: it matches nothing.
    pub fn as_folder(&self) -> Prefix {
        if self.0.is_empty() || self.0.ends_with('/') {
            self.clone()
        } else {
            Prefix(format!("{}/", self.0))
        }
    }

    /// The tenant whose folder the prefix lies in. "acme" has none: as a listing prefix it also
    /// matches "acme-corp/…", so it is not inside any one tenant.
    pub fn tenant(&self) -> Option<TenantId> {
        tenant_of(&self.0)
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// A prefix a person typed to pick objects (to delete, download or count). A bare tenant id
    /// means that tenant's folder: "beta" must not also reach "beta-archive/…". Any other text
    /// that could reach into several tenants (a partial first segment) is refused unless
    /// `cross_tenant` says the person means exactly that.
    pub fn selection(text: &str, cross_tenant: bool) -> Result<Prefix> {
        let prefix = Prefix::parse(text)?;
        if cross_tenant || prefix.is_root() || prefix.0.contains('/') {
            return Ok(prefix);
        }
        if TenantId::parse(&prefix.0).is_ok() {
            return Ok(prefix.as_folder());
        }
        Err(Error::invalid(format!(
            "'{}' is not a tenant id, so as a prefix it could match several tenants: name a tenant or a folder (acme/documents/), or allow it across tenants",
            text.escape_default()
        ))
        .hint(crate::error::Hint::CrossTenant))
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Prefix {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Prefix::parse(s)
    }
}

// Deserializing validates, so a key that arrives over IPC or from a file is as trustworthy as
// one that was parsed.
macro_rules! deserialize_by_parsing {
    ($($ty:ty),*) => {$(
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                <$ty>::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    )*};
}
deserialize_by_parsing!(TenantId, ObjectKey, Prefix);

/// The seed's folders inside a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Documents,
    Images,
    Uploads,
}

impl Category {
    pub const ALL: [Category; 3] = [Category::Documents, Category::Images, Category::Uploads];

    /// "documents", "images", "uploads": the folder name in keys.
    pub fn as_str(&self) -> &'static str {
        match self {
            Category::Documents => "documents",
            Category::Images => "images",
            Category::Uploads => "uploads",
        }
    }
}

impl FromStr for Category {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let wanted = s.trim();
        Category::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| {
                Error::invalid(format!(
                    "unknown category '{}': use documents, images or uploads",
                    escaped(s)
                ))
            })
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an upload goes: a category picked by content (`Auto`) or one the user fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CategoryChoice {
    #[default]
    Auto,
    Fixed(Category),
}

impl CategoryChoice {
    /// The category to use, given the one detection picked.
    pub fn resolve(self, detected: Category) -> Category {
        match self {
            CategoryChoice::Auto => detected,
            CategoryChoice::Fixed(category) => category,
        }
    }
}

impl FromStr for CategoryChoice {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        if s.trim().eq_ignore_ascii_case("auto") {
            return Ok(CategoryChoice::Auto);
        }
        s.parse().map(CategoryChoice::Fixed).map_err(|_| {
            Error::invalid(format!(
                "unknown category '{}': use auto, documents, images or uploads",
                escaped(s)
            ))
        })
    }
}

impl fmt::Display for CategoryChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CategoryChoice::Auto => f.write_str("auto"),
            CategoryChoice::Fixed(category) => category.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant(s: &str) -> TenantId {
        TenantId::parse(s).unwrap()
    }

    fn key(s: &str) -> ObjectKey {
        ObjectKey::parse(s).unwrap()
    }

    fn key_error(s: &str) -> String {
        let e = ObjectKey::parse(s).unwrap_err();
        assert_eq!(e.code(), "invalid_input");
        e.to_string()
    }

    #[test]
    fn tenant_ids_follow_the_charset() {
        for ok in ["acme", "acme-corp", "a", "A_b.c-9", "x.", &"t".repeat(128)] {
            assert_eq!(tenant(ok).as_str(), ok);
        }
        for bad in ["", ".hidden", "..", "a/b", "a b", "é", "a\0", &"t".repeat(129)] {
            let e = TenantId::parse(bad).unwrap_err().to_string();
            assert!(e.starts_with("tenant '"), "{e}");
            assert!(e.contains("use 1-128 ASCII letters"), "{e}");
        }
    }

    #[test]
    fn tenant_errors_say_what_is_wrong() {
        let e = |s: &str| TenantId::parse(s).unwrap_err().to_string();
        assert!(e("").contains("is empty"));
        assert!(e(".x").contains("starts with '.'"));
        assert!(e("a/b").contains("contains '/'"));
        assert!(e(&"t".repeat(200)).contains("is 200 bytes long"));
    }

    #[test]
    fn tenant_prefix_display_and_from_str() {
        let t: TenantId = "acme".parse().unwrap();
        assert_eq!(t.prefix(), "acme/");
        assert_eq!(t.to_string(), "acme");
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"acme\"");
    }

    #[test]
    fn valid_keys_parse() {
        for ok in [
            "a",
            "acme/documents/20250127_123456_abc123_receipt.jpg",
            "acme/documents/.hidden",
            "acme/documents/...",
            "acme/images/日本 😀.png",
            "back\\slash/is/a/name",
            &"k".repeat(1024),
        ] {
            assert_eq!(key(ok).as_str(), ok);
        }
    }

    #[test]
    fn key_errors_name_the_problem_and_the_fix() {
        assert_eq!(
            key_error("a/../b"),
            "object key 'a/../b' has a '..' segment: keys may not climb out of their folder"
        );
        assert!(key_error("").contains("is empty"));
        assert!(key_error("/acme/a").contains("starts with '/'"));
        assert!(key_error("acme/").contains("ends with '/'"));
        assert!(key_error("a//b").contains("empty segment"));
        assert!(key_error("a/./b").contains("'.' segment"));
        assert!(key_error("..").contains("'..' segment"));
        assert!(key_error(".").contains("'.' segment"));
        assert!(key_error(&"k".repeat(1025)).contains("1025 bytes long"));
    }

    #[test]
    fn control_characters_are_refused_and_shown_escaped() {
        for c in ['\0', '\n', '\r', '\t', '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}'] {
            let text = format!("acme/a{c}b");
            let e = key_error(&text);
            assert!(e.contains("control character"), "{e}");
            assert!(!e.contains(c), "raw control character in message: {e:?}");
            assert_eq!(e.lines().count(), 1);
        }
    }

    #[test]
    fn messages_quote_at_most_about_eighty_characters() {
        let long = format!("{}/../x", "a".repeat(5000));
        let e = key_error(&long);
        assert!(e.len() < 200, "{e}");
        assert!(e.contains('…'));
    }

    #[test]
    fn key_tenant_and_name() {
        let k = key("acme/documents/2025/a.pdf");
        assert_eq!(k.tenant(), Some(tenant("acme")));
        assert_eq!(k.name(), "a.pdf");
        assert_eq!(key("a.pdf").name(), "a.pdf");
        // A root-level object is in no tenant, even when its name would be a valid tenant id.
        assert_eq!(key("acme").tenant(), None);
        assert_eq!(key(".git/config").tenant(), None);
        assert_eq!(key("a b/c").tenant(), None);
    }

    #[test]
    fn is_within_respects_the_slash_after_the_tenant() {
        let acme = tenant("acme");
        assert!(key("acme/documents/a.pdf").is_within(&acme));
        assert!(!key("acme-corp/documents/a.pdf").is_within(&acme));
        assert!(!key("acme").is_within(&acme));
        assert!(!key("globex/acme/a.pdf").is_within(&acme));
        assert_eq!(
            key("acme/documents/a.pdf").relative_to(&acme),
            Some("documents/a.pdf")
        );
        assert_eq!(key("acme-corp/a.pdf").relative_to(&acme), None);
    }

    #[test]
    fn in_tenant_joins_and_refuses_escapes() {
        let acme = tenant("acme");
        let k = ObjectKey::in_tenant(&acme, "documents/a.pdf").unwrap();
        assert_eq!(k.as_str(), "acme/documents/a.pdf");
        assert!(k.is_within(&acme));
        for bad in [
            "",
            "/etc/passwd",
            "../globex/a.pdf",
            "documents/../../x",
            "a//b",
            "./a",
            "dir/",
        ] {
            let e = ObjectKey::in_tenant(&acme, bad).unwrap_err().to_string();
            assert!(e.starts_with("path '"), "{bad}: {e}");
        }
        let too_long = "x".repeat(1020);
        let e = ObjectKey::in_tenant(&acme, &too_long).unwrap_err().to_string();
        assert!(e.contains("1025 bytes long"), "{e}");
    }

    #[test]
    fn prefixes_allow_empty_and_folders() {
        assert_eq!(Prefix::parse("").unwrap(), Prefix::root());
        assert!(Prefix::root().is_root());
        for ok in ["acme", "acme/", "acme/documents/", "acme/documents/2025"] {
            assert_eq!(Prefix::parse(ok).unwrap().as_str(), ok);
        }
        for bad in ["/", "/acme", "acme//", "acme/../x/", "acme/./", "a\0", "acme/.."] {
            let e = Prefix::parse(bad).unwrap_err().to_string();
            assert!(e.starts_with("prefix '"), "{bad}: {e}");
        }
    }

    #[test]
    fn prefix_as_folder_and_tenant() {
        let p = |s: &str| Prefix::parse(s).unwrap();
        assert_eq!(p("acme").as_folder(), p("acme/"));
        assert_eq!(p("acme/").as_folder(), p("acme/"));
        assert_eq!(Prefix::root().as_folder(), Prefix::root());
        assert_eq!(
            p("acme/documents/2025").as_folder().as_str(),
            "acme/documents/2025/"
        );
        assert_eq!(p("acme/").tenant(), Some(tenant("acme")));
        assert_eq!(p("acme/documents/20").tenant(), Some(tenant("acme")));
        // "acme" as a listing prefix also matches "acme-corp/…": not inside one tenant.
        assert_eq!(p("acme").tenant(), None);
        assert_eq!(Prefix::root().tenant(), None);
        assert_eq!(Prefix::of_tenant(&tenant("acme")), p("acme/"));
        assert_eq!(
            Prefix::of_category(&tenant("acme"), Category::Images),
            p("acme/images/")
        );
    }

    #[test]
    fn deserializing_validates() {
        let k: ObjectKey = serde_json::from_str("\"acme/a.pdf\"").unwrap();
        assert_eq!(k.as_str(), "acme/a.pdf");
        assert!(serde_json::from_str::<ObjectKey>("\"acme/../a\"").is_err());
        assert!(serde_json::from_str::<TenantId>("\".x\"").is_err());
        assert_eq!(serde_json::from_str::<Prefix>("\"\"").unwrap(), Prefix::root());
        assert_eq!(
            serde_json::from_str::<Category>("\"images\"").unwrap(),
            Category::Images
        );
    }

    #[test]
    fn categories_parse_case_insensitively_and_list_choices() {
        for c in Category::ALL {
            assert_eq!(c.as_str().parse::<Category>().unwrap(), c);
            assert_eq!(c.to_string(), c.as_str());
            assert_eq!(c.as_str().to_uppercase().parse::<Category>().unwrap(), c);
        }
        assert_eq!(serde_json::to_string(&Category::Uploads).unwrap(), "\"uploads\"");
        let e = "pictures".parse::<Category>().unwrap_err().to_string();
        assert_eq!(e, "unknown category 'pictures': use documents, images or uploads");
    }

    #[test]
    fn category_choice_is_auto_or_fixed() {
        assert_eq!(CategoryChoice::default(), CategoryChoice::Auto);
        assert_eq!("auto".parse::<CategoryChoice>().unwrap(), CategoryChoice::Auto);
        assert_eq!("AUTO".parse::<CategoryChoice>().unwrap(), CategoryChoice::Auto);
        assert_eq!(
            "Images".parse::<CategoryChoice>().unwrap(),
            CategoryChoice::Fixed(Category::Images)
        );
        let e = "x".parse::<CategoryChoice>().unwrap_err().to_string();
        assert!(e.contains("use auto, documents, images or uploads"), "{e}");
        assert_eq!(CategoryChoice::Auto.resolve(Category::Images), Category::Images);
        assert_eq!(
            CategoryChoice::Fixed(Category::Uploads).resolve(Category::Images),
            Category::Uploads
        );
        assert_eq!(CategoryChoice::Fixed(Category::Images).to_string(), "images");
    }
}
