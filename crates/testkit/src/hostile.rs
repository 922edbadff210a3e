//! Hostile inputs that more than one suite feeds to Cubby (the core's parsers directly, the CLI
//! through its arguments), each with the words its refusal must contain. One table, so a rule
//! that changes is updated in one place.

/// Endpoints a profile must refuse.
pub const BAD_ENDPOINTS: &[(&str, &str)] = &[
    ("s3.example.com", "is not a URL"),
    ("127.0.0.1:9000", "is not a URL"),
    ("localhost:9000", "must start with http:// or https://"),
    ("ftp://files.example.com", "must start with http:// or https://"),
    ("http://exa mple.com", "is not a URL"),
    (
        "http://user:hunter2@example.com",
        "must not contain a user name or password",
    ),
    (
        "http://user@example.com",
        "must not contain a user name or password",
    ),
    ("http://example.com:0", "port 0"),
    ("http://example.com:99999", "is not a URL"),
    ("http://::1:9000", "is not a URL"),
    ("javascript:alert(1)", "must start with http:// or https://"),
    ("file:///etc/passwd", "must start with http:// or https://"),
    ("data:text/plain,x", "must start with http:// or https://"),
    ("http://", "is not a URL"),
    ("http://example.com/bucket", "no path"),
    ("http://example.com?x=1", "no path"),
    ("http://example.com#frag", "no path"),
    ("http://exa\nmple.com", "control character"),
    ("http://exa\tmple.com", "control character"),
    ("http://example.com:-1", "is not a URL"),
    // Plain HTTP to another machine needs the explicit --allow-http.
    ("http://s3.example.com", "plain HTTP"),
];

/// Public URLs (custom domain or r2.dev) a profile must refuse.
pub const BAD_PUBLIC_URLS: &[(&str, &str)] = &[
    ("javascript:alert(1)", "must start with http:// or https://"),
    ("files.example.com", "is not a URL"),
    (
        "https://u:p@files.example.com",
        "must not contain a user name or password",
    ),
    ("https://files.example.com\r\nX: y", "control character"),
];
