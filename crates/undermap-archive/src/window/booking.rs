//! A booking's parts, parsed: who comes, why, and what they want to see.

use serde::{Deserialize, Serialize};

use crate::{ArchiveError, ProjectCode};

/// Most items one booking may ask for.
pub const MAX_WANTED: usize = 50;

fn invalid(reason: impl Into<String>) -> ArchiveError {
    ArchiveError::Invalid(reason.into())
}

/// Something a visitor wants ready at the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Wanted {
    /// A project's files.
    Project(ProjectCode),
    /// A paper record, by its archive number (档号).
    Record(String),
    /// One file, by its SHA-256.
    File(String),
}

impl Wanted {
    /// The item as the visitor named it, checked for form: a project code in the national
    /// format, an archive number of 1 to 64 characters without spaces, 64 hex digits.
    pub fn parsed(self) -> Result<Self, ArchiveError> {
        match self {
            Self::Project(code) => Ok(Self::Project(code)),
            Self::Record(n) => {
                let n = n.trim().to_owned();
                if n.is_empty() || n.chars().count() > 64 || n.chars().any(char::is_whitespace) {
                    return Err(invalid(format!(
                        "wanted record {n:?}: an archive number of 1 to 64 characters, no spaces"
                    )));
                }
                undermap_core::text::plain("wanted", &n)?;
                Ok(Self::Record(n))
            }
            Self::File(h) => {
                let h = h.trim().to_ascii_lowercase();
                if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(invalid(format!(
                        "wanted file {h:?}: a SHA-256 of 64 hex digits"
                    )));
                }
                Ok(Self::File(h))
            }
        }
    }
}

/// Who comes to the window, why, and what they want ready.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Booking {
    /// The visitor's name.
    pub name: String,
    /// A phone to reach them, if given.
    pub phone: Option<String>,
    /// Why they come (查阅 / 复制 / 出具证明 …), in their words.
    pub purpose: String,
    /// What to have ready.
    pub wanted: Vec<Wanted>,
}

impl Booking {
    /// A booking from what a visitor sent. Refused, naming the field: a name of 1 to 100
    /// characters, a phone of 5 to 30 digits, spaces, `+` and `-`, a purpose of 1 to 500
    /// characters, at most [`MAX_WANTED`] items, none twice.
    pub fn new(
        name: &str,
        phone: Option<&str>,
        purpose: &str,
        wanted: Vec<Wanted>,
    ) -> Result<Self, ArchiveError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(invalid("name: 1 to 100 characters"));
        }
        undermap_core::text::plain("name", name)?;
        let phone = phone.map(str::trim).filter(|p| !p.is_empty());
        if let Some(p) = phone {
            let digits = p.chars().filter(char::is_ascii_digit).count();
            if !(5..=30).contains(&p.len())
                || digits < 5
                || !p.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c))
            {
                return Err(invalid(format!(
                    "phone {p:?}: 5 to 30 of digits, spaces, +, - and brackets"
                )));
            }
        }
        let purpose = purpose.trim();
        if purpose.is_empty() || purpose.chars().count() > 500 {
            return Err(invalid("purpose: 1 to 500 characters"));
        }
        undermap_core::text::multiline("purpose", purpose)?;
        if wanted.len() > MAX_WANTED {
            return Err(invalid(format!("wanted: at most {MAX_WANTED} items")));
        }
        let mut items: Vec<Wanted> = Vec::with_capacity(wanted.len());
        for w in wanted {
            let w = w.parsed()?;
            if items.contains(&w) {
                return Err(invalid(format!("wanted: {w:?} is listed twice")));
            }
            items.push(w);
        }
        Ok(Self {
            name: name.to_owned(),
            phone: phone.map(str::to_owned),
            purpose: purpose.to_owned(),
            wanted: items,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_booking_names_what_is_wrong() {
        let file = |h: &str| Wanted::File(h.into());
        let ok = Booking::new(
            " 张三 ",
            Some("023-7666 1000"),
            "查阅竣工图",
            vec![file(&"A".repeat(64))],
        )
        .unwrap();
        assert_eq!(ok.name, "张三");
        assert_eq!(ok.wanted, vec![file(&"a".repeat(64))]);
        for (name, phone, purpose, wanted, says) in [
            ("", None, "x", vec![], "name"),
            ("张三", Some("12"), "x", vec![], "phone"),
            ("张三", Some("call me maybe"), "x", vec![], "phone"),
            ("张三", None, " ", vec![], "purpose"),
            ("张三", None, "x", vec![file("abc")], "SHA-256"),
            (
                "张三",
                None,
                "x",
                vec![Wanted::Record("GH 1".into())],
                "no spaces",
            ),
            (
                "张三",
                None,
                "x",
                vec![file(&"a".repeat(64)), file(&"A".repeat(64))],
                "twice",
            ),
            (
                "张三",
                None,
                "x",
                vec![Wanted::Record("R".into()); MAX_WANTED + 1],
                "at most",
            ),
            ("张\u{0}三", None, "x", vec![], "name"),
        ] {
            let e = Booking::new(name, phone, purpose, wanted)
                .unwrap_err()
                .to_string();
            assert!(e.contains(says), "{says}: {e}");
        }
    }

    #[test]
    fn wanted_items_read_as_tagged_objects() {
        let w: Vec<Wanted> = serde_json::from_str(
            r#"[{"project": "2025-500241-48-01-000101"}, {"record": "GH-1998-0001"}]"#,
        )
        .unwrap();
        assert!(matches!(w[0], Wanted::Project(_)));
        assert!(serde_json::from_str::<Wanted>(r#"{"project": "nope"}"#).is_err());
        assert!(serde_json::from_str::<Wanted>(r#"{"shelf": "3"}"#).is_err());
    }
}
