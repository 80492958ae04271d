//! Text from outside (a request, a delivery) that is stored or shown: no control characters.
//!
//! A NUL cannot be stored in PostgreSQL text at all, and other control characters in a ticket
//! reference, an account's name or an audit filter only hide what the text says. They are
//! refused where the text comes in, naming the field, so nothing further down fails on them.
//!
//! ```
//! use undermap_core::text;
//! assert!(text::plain("reference", "XS-2026-017").is_ok());
//! let e = text::plain("reference", "XS\u{0}17").unwrap_err();
//! assert!(e.to_string().contains("reference"));
//! assert!(text::multiline("comment", "line one\nline two").is_ok());
//! ```

use crate::CoreError;

/// The first control character of `value` (Unicode category Cc), with its character offset;
/// tab, line feed and carriage return pass when `whitespace` is true.
#[must_use]
pub fn control_character(value: &str, whitespace: bool) -> Option<(usize, char)> {
    value
        .chars()
        .enumerate()
        .find(|&(_, c)| c.is_control() && !(whitespace && matches!(c, '\t' | '\n' | '\r')))
}

/// `Ok` when `value` of `field` holds no control character at all (names, labels, references).
pub fn plain(field: &str, value: &str) -> Result<(), CoreError> {
    check(field, value, false)
}

/// `Ok` when `value` of `field` holds no control character other than tab and line breaks
/// (free text such as comments and filters).
pub fn multiline(field: &str, value: &str) -> Result<(), CoreError> {
    check(field, value, true)
}

fn check(field: &str, value: &str, whitespace: bool) -> Result<(), CoreError> {
    match control_character(value, whitespace) {
        None => Ok(()),
        Some((position, c)) => Err(CoreError::ControlCharacter {
            field: field.to_owned(),
            position,
            code: u32::from(c),
        }),
    }
}

/// `value` with every control character written as `\u{…}`, for logs and the audit trail,
/// which must record a hostile request rather than fail on it.
#[must_use]
pub fn escaped(value: &str) -> std::borrow::Cow<'_, str> {
    if control_character(value, false).is_none() {
        return std::borrow::Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        if c.is_control() {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Text escaped for HTML content and attribute values (`&`, `<`, `>`, `"`, `'`), written into
/// `out`.
pub fn escape_html_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Text escaped for HTML content and attribute values.
#[must_use]
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_html_into(&mut out, text);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_found_and_named() {
        assert_eq!(control_character("ab\u{0}c", false), Some((2, '\u{0}')));
        assert_eq!(control_character("a\tb", true), None);
        assert_eq!(control_character("a\tb", false), Some((1, '\t')));
        assert_eq!(control_character("é\u{7f}", true), Some((1, '\u{7f}')));
        assert_eq!(control_character("中文 text", false), None);
        let e = plain("full_name", "Wang\u{1b}[31m").unwrap_err();
        assert_eq!(
            e.to_string(),
            "field `full_name`: control character U+001B at character 4; send plain text"
        );
    }

    #[test]
    fn escaping_keeps_plain_text_as_it_is() {
        assert!(matches!(escaped("/v1/x"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(escaped("a\u{0}b\nc"), "a\\u{0}b\\u{a}c");
    }

    proptest::proptest! {
        #[test]
        fn escaped_text_is_always_plain(s in "\\PC*|[\\x00-\\x1f]{0,8}") {
            proptest::prop_assert!(plain("x", &escaped(&s)).is_ok());
        }
    }
}
