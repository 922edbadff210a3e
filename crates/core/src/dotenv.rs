//! A parser for real-world `.env` files: comments, inline `# …` after values (the seed has
//! `3600  # 1 hour`), single and double quotes, `export ` prefixes, CRLF, a UTF-8 BOM.
//!
//! It parses; it does not interpolate `${VAR}` or touch the process environment.

use std::collections::BTreeMap;

use crate::{Error, Result};

/// Variables in file order is not needed by anyone; a sorted map keeps output stable.
pub type Vars = BTreeMap<String, String>;

pub fn parse(text: &str) -> Result<Vars> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut vars = Vars::new();
    let mut lines = text.split('\n').enumerate().peekable();
    while let Some((index, raw)) = lines.next() {
        let number = index + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw).trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").map(str::trim_start).unwrap_or(line);
        let Some((key, rest)) = line.split_once('=') else {
            return Err(bad(number, "expected KEY=VALUE"));
        };
        let key = key.trim();
        if !valid_key(key) {
            return Err(bad(
                number,
                &format!("'{}' is not a valid variable name", printable(key)),
            ));
        }
        let rest = rest.trim_start();
        let value = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => {
                // A quoted value may continue over several lines until its closing quote.
                let mut body = rest[1..].to_string();
                loop {
                    if let Some((value, after)) = close_quote(&body, q) {
                        let after = after.trim();
                        if !(after.is_empty() || after.starts_with('#')) {
                            return Err(bad(number, "unexpected text after the closing quote"));
                        }
                        break value;
                    }
                    match lines.next() {
                        Some((_, more)) => {
                            body.push('\n');
                            body.push_str(more.strip_suffix('\r').unwrap_or(more));
                        }
                        None => return Err(bad(number, &format!("missing closing {q} quote"))),
                    }
                }
            }
            _ => unquoted(rest),
        };
        if value.contains('\0') {
            return Err(bad(number, "value contains a NUL character"));
        }
        vars.insert(key.to_string(), value);
    }
    Ok(vars)
}

/// Finds the closing quote; returns the unescaped value and the text after it.
fn close_quote(body: &str, quote: char) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == quote {
            return Some((value, &body[i + c.len_utf8()..]));
        }
        if c == '\\' && quote == '"' {
            match chars.next() {
                Some((_, 'n')) => value.push('\n'),
                Some((_, 't')) => value.push('\t'),
                Some((_, 'r')) => value.push('\r'),
                Some((_, other)) => value.push(other),
                None => value.push('\\'),
            }
            continue;
        }
        value.push(c);
    }
    None
}

/// An unquoted value ends at whitespace followed by `#`; a `#` glued to the value is kept, since
/// secrets and URLs contain them.
fn unquoted(rest: &str) -> String {
    let mut end = rest.len();
    let bytes = rest.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'#' && i > 0 && (bytes[i - 1] == b' ' || bytes[i - 1] == b'\t') {
            end = i;
            break;
        }
    }
    rest[..end].trim().to_string()
}

fn valid_key(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

fn printable(s: &str) -> String {
    s.chars().take(40).flat_map(char::escape_default).collect()
}

fn bad(line: usize, what: &str) -> Error {
    Error::invalid(format!(
        ".env line {line}: {what}; lines must look like NAME=value"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_seed_example_with_inline_comment() {
        let text = "# Cloudflare R2 Configuration\nCLOUDFLARE_R2_ACCOUNT_ID=your_account_id_here\n\
                    CLOUDFLARE_R2_BUCKET_NAME=oasys360-files\n\n# Optional\n\
                    CLOUDFLARE_R2_PUBLIC_URL=https://files.yourdomain.com\n\
                    CLOUDFLARE_R2_ENABLE_DIRECT_UPLOAD=True\n\
                    CLOUDFLARE_R2_SIGNED_URL_EXPIRY=3600  # 1 hour\n";
        let vars = parse(text).unwrap();
        assert_eq!(vars["CLOUDFLARE_R2_SIGNED_URL_EXPIRY"], "3600");
        assert_eq!(vars["CLOUDFLARE_R2_PUBLIC_URL"], "https://files.yourdomain.com");
        assert_eq!(vars["CLOUDFLARE_R2_ENABLE_DIRECT_UPLOAD"], "True");
        assert_eq!(vars.len(), 5);
    }

    #[test]
    fn handles_quotes_export_crlf_and_bom() {
        let text = "\u{feff}export A=\"x y # not a comment\"  # comment\r\nB='literal \\n $HOME'\r\n\
                    C=\"line\\nbreak\"\r\nD=pa#ss\r\nE=\r\n  F = spaced  \r\n";
        let vars = parse(text).unwrap();
        assert_eq!(vars["A"], "x y # not a comment");
        assert_eq!(vars["B"], "literal \\n $HOME");
        assert_eq!(vars["C"], "line\nbreak");
        assert_eq!(vars["D"], "pa#ss", "a # glued to the value is part of it");
        assert_eq!(vars["E"], "");
        assert_eq!(vars["F"], "spaced");
    }

    #[test]
    fn quoted_value_may_span_lines() {
        let vars = parse("K=\"first\nsecond\"\nL=1\n").unwrap();
        assert_eq!(vars["K"], "first\nsecond");
        assert_eq!(vars["L"], "1");
    }

    #[test]
    fn malformed_lines_name_the_line_number() {
        let err = parse("A=1\nthis is not a variable\n").unwrap_err();
        assert!(err.to_string().starts_with(".env line 2:"), "{err}");
        let err = parse("A=\"open\nB=2\n").unwrap_err();
        assert!(err.to_string().contains("missing closing \" quote"), "{err}");
        let err = parse("1A=x\n").unwrap_err();
        assert!(err.to_string().contains("not a valid variable name"), "{err}");
        let err = parse("A=\"x\" trailing\n").unwrap_err();
        assert!(err.to_string().contains("after the closing quote"), "{err}");
    }

    #[test]
    fn later_assignment_wins() {
        assert_eq!(parse("A=1\nA=2\n").unwrap()["A"], "2");
    }
}
