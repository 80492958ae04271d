//! Searching the archive: the text a caller searches for ([`SearchText`]: 1 to
//! [`MAX_QUERY_CHARS`] characters, refused beyond), how well a name or title matches it
//! ([`rank`]) and the same text with the match marked for a page ([`highlight`]). The stores
//! find the candidates (a trigram index); this says which come first.

use std::fmt;
use std::str::FromStr;

use crate::ArchiveError;

/// Longest search text, characters: a name or title is at most 300, a useful search far less.
pub const MAX_QUERY_CHARS: usize = 100;

/// A search text: trimmed, 1 to [`MAX_QUERY_CHARS`] characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText {
    text: String,
    folded: String,
}

impl SearchText {
    /// As given (trimmed).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// How many characters.
    #[must_use]
    pub fn chars(&self) -> usize {
        self.text.chars().count()
    }

    /// Whether it reads as (part of) a project code: digits and dashes only.
    #[must_use]
    pub fn is_code(&self) -> bool {
        self.text.chars().all(|c| c.is_ascii_digit() || c == '-') && self.text.contains('-')
    }
}

impl fmt::Display for SearchText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for SearchText {
    type Err = ArchiveError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim();
        let n = text.chars().count();
        if n == 0 {
            return Err(ArchiveError::Invalid("give a text to search for".into()));
        }
        if n > MAX_QUERY_CHARS {
            return Err(ArchiveError::Invalid(format!(
                "the search text has {n} characters; give at most {MAX_QUERY_CHARS}"
            )));
        }
        if text.chars().any(char::is_control) {
            return Err(ArchiveError::Invalid(
                "the search text holds a control character".into(),
            ));
        }
        Ok(Self {
            text: text.to_owned(),
            folded: fold(text),
        })
    }
}

/// Lower case for ASCII letters only, as the stores' LIKE compares (Chinese has no case).
fn fold(s: &str) -> String {
    s.to_ascii_lowercase()
}

/// How well `text` matches `q`, from 0 to 1, or `None` when it does not hold it: the whole
/// text scores 1; a text starting with it 0.8 and up; any other text holding it 0.5 and up;
/// within each band, the larger the share of the text the query covers, the higher.
#[must_use]
pub fn rank(text: &str, q: &SearchText) -> Option<f64> {
    let folded = fold(text);
    let at = folded.find(&q.folded)?;
    let total = folded.chars().count().max(1);
    #[allow(clippy::cast_precision_loss)]
    let share = q.folded.chars().count() as f64 / total as f64;
    Some(if at == 0 && share >= 1.0 {
        1.0
    } else if at == 0 {
        0.8 + 0.19 * share
    } else {
        0.5 + 0.29 * share
    })
}

/// `text` escaped for HTML with every occurrence of `q` in `<mark>…</mark>`.
#[must_use]
pub fn highlight(text: &str, q: &SearchText) -> String {
    let folded = fold(text);
    let mut out = String::with_capacity(text.len() + 16);
    let mut from = 0;
    // ASCII folding keeps byte offsets, so a match in `folded` is at the same bytes of `text`.
    while let Some(i) = folded[from..].find(&q.folded) {
        let start = from + i;
        let end = start + q.folded.len();
        escape_into(&mut out, &text[from..start]);
        out.push_str("<mark>");
        escape_into(&mut out, &text[start..end]);
        out.push_str("</mark>");
        from = end;
    }
    escape_into(&mut out, &text[from..]);
    out
}

pub use undermap_core::text::escape_html;
use undermap_core::text::escape_html_into as escape_into;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn q(s: &str) -> SearchText {
        s.parse().unwrap()
    }

    #[test]
    fn a_search_text_is_trimmed_and_bounded() {
        assert_eq!(q("  给水 ").as_str(), "给水");
        assert!("".parse::<SearchText>().is_err());
        assert!("   ".parse::<SearchText>().is_err());
        assert!("a\u{7}b".parse::<SearchText>().is_err());
        assert!("管".repeat(MAX_QUERY_CHARS).parse::<SearchText>().is_ok());
        let long = "管".repeat(10_000).parse::<SearchText>().unwrap_err();
        assert!(long.to_string().contains("10000 characters"), "{long}");
        assert!(q("2026-500241").is_code());
        assert!(!q("2026").is_code());
    }

    #[test]
    fn whole_then_prefix_then_inside_then_shorter_first() {
        let s = q("给水管");
        let whole = rank("给水管", &s).unwrap();
        let prefix = rank("给水管道工程", &s).unwrap();
        let inside_short = rank("城南给水管", &s).unwrap();
        let inside_long = rank("城南片区给水管网改造工程", &s).unwrap();
        assert!(whole > prefix && prefix > inside_short && inside_short > inside_long);
        assert_eq!(rank("排水管道", &s), None);
        assert!(rank("Water MAIN renewal", &q("main")).is_some());
    }

    #[test]
    fn the_match_is_marked_and_the_rest_escaped() {
        assert_eq!(
            highlight("<b>给水</b>管道给水", &q("给水")),
            "&lt;b&gt;<mark>给水</mark>&lt;/b&gt;管道<mark>给水</mark>"
        );
        assert_eq!(
            highlight("DN300 main", &q("dn3")),
            "<mark>DN3</mark>00 main"
        );
    }

    proptest! {
        // Whatever the text, the highlight without its marks is the escaped text, and a text
        // holding the query always ranks.
        #[test]
        fn highlighting_never_loses_text(prefix in "[a-zA-Z给水管<&]{0,12}", needle in "[a-z给水]{1,4}", suffix in "[a-zA-Z道路>]{0,12}") {
            let text = format!("{prefix}{needle}{suffix}");
            let s = q(&needle);
            let marked = highlight(&text, &s);
            let mut plain = String::new();
            escape_into(&mut plain, &text);
            prop_assert_eq!(marked.replace("<mark>", "").replace("</mark>", ""), plain);
            let r = rank(&text, &s).unwrap();
            prop_assert!((0.5..=1.0).contains(&r));
        }
    }
}
