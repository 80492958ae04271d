//! What users say about the archive's services: a rating (1 to 5), a comment, and the answers
//! to a short questionnaire kept as data (`data/feedback_questions.toml`); [`summary`] turns a
//! year's answers into the archive's yearly report (satisfaction by service and month, the
//! questions' answers, the words comments share).

pub mod summary;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ArchiveError;

/// The questionnaire shipped with undermap.
const BUILTIN: &str = include_str!("../../data/feedback_questions.toml");

/// Longest comment, characters.
pub const MAX_COMMENT_CHARS: usize = 2000;

fn invalid(reason: impl Into<String>) -> ArchiveError {
    ArchiveError::Invalid(reason.into())
}

/// A service one may give feedback on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    /// A file downloaded from the archive.
    Download,
    /// An excavation ticket.
    Ticket,
    /// A visit booked at the service window.
    Appointment,
}

impl Service {
    /// Every service, in report order.
    pub const ALL: [Self; 3] = [Self::Download, Self::Ticket, Self::Appointment];

    /// Its name in requests and reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Download => "download",
            Self::Ticket => "ticket",
            Self::Appointment => "appointment",
        }
    }
}

impl std::str::FromStr for Service {
    type Err = ArchiveError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| invalid(format!("service {s:?}: download, ticket or appointment")))
    }
}

/// What a question asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Kind {
    /// 1 to 5.
    Rating,
    /// Yes or no.
    YesNo,
    /// One of these.
    Choice {
        /// The options, in order.
        options: Vec<String>,
    },
}

/// One question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Question {
    /// How answers name it.
    pub id: String,
    /// The services it follows.
    pub services: Vec<Service>,
    /// What it asks for.
    #[serde(flatten)]
    pub kind: Kind,
    /// In Chinese.
    pub zh: String,
    /// In English.
    pub en: String,
}

/// The questionnaire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Questionnaire {
    /// Its questions, in order.
    pub questions: Vec<Question>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    question: Vec<QuestionFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionFile {
    id: String,
    services: Vec<Service>,
    kind: String,
    #[serde(default)]
    options: Vec<String>,
    zh: String,
    en: String,
}

/// An answer to one question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answer {
    /// Yes or no.
    YesNo(bool),
    /// A rating, 1 to 5.
    Rating(u8),
    /// A choice.
    Choice(String),
}

/// A rating, 1 to 5.
fn rating(n: u8, what: &str) -> Result<u8, ArchiveError> {
    if (1..=5).contains(&n) {
        Ok(n)
    } else {
        Err(invalid(format!("{what}: {n} is not a rating from 1 to 5")))
    }
}

/// Feedback, checked: its rating, comment and answers fit the questionnaire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Feedback {
    /// The service.
    pub service: Service,
    /// 1 to 5.
    pub rating: u8,
    /// What the user wrote.
    pub comment: Option<String>,
    /// Answers by question id.
    pub answers: BTreeMap<String, Answer>,
}

impl Questionnaire {
    /// The questionnaire shipped with undermap.
    #[must_use]
    pub fn builtin() -> Self {
        // Parsed by a unit test: it cannot fail at run time.
        Self::parse(BUILTIN).unwrap_or(Self {
            questions: Vec::new(),
        })
    }

    /// A questionnaire in the form of `data/feedback_questions.toml`. Refused: an id twice or
    /// not of a-z, 0-9 and _, an unknown kind, a choice with fewer than two options, a
    /// question following no service.
    pub fn parse(text: &str) -> Result<Self, ArchiveError> {
        let file: File =
            toml::from_str(text).map_err(|e| invalid(format!("questionnaire: {e}")))?;
        let mut questions: Vec<Question> = Vec::new();
        for q in file.question {
            if q.id.is_empty()
                || q.id.len() > 40
                || !q
                    .id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err(invalid(format!(
                    "question id {:?}: 1 to 40 of a-z, 0-9 and _",
                    q.id
                )));
            }
            if questions.iter().any(|o| o.id == q.id) {
                return Err(invalid(format!("question {} is asked twice", q.id)));
            }
            if q.services.is_empty() {
                return Err(invalid(format!("question {} follows no service", q.id)));
            }
            let kind = match (q.kind.as_str(), q.options.len()) {
                ("rating", 0) => Kind::Rating,
                ("yes_no", 0) => Kind::YesNo,
                ("choice", n) if n >= 2 => Kind::Choice { options: q.options },
                (k, _) => {
                    return Err(invalid(format!(
                        "question {}: kind {k:?} with {} options (rating, yes_no, or choice with two or more)",
                        q.id,
                        q.options.len()
                    )))
                }
            };
            questions.push(Question {
                id: q.id,
                services: q.services,
                kind,
                zh: q.zh,
                en: q.en,
            });
        }
        Ok(Self { questions })
    }

    /// The questions that follow `service`.
    pub fn for_service(&self, service: Service) -> impl Iterator<Item = &Question> {
        self.questions
            .iter()
            .filter(move |q| q.services.contains(&service))
    }

    /// Feedback on `service` from what a user sent. Refused, naming what: a rating outside 1
    /// to 5, a comment longer than [`MAX_COMMENT_CHARS`] or with control characters, an answer
    /// to a question this service does not ask, or of the wrong kind.
    pub fn feedback(
        &self,
        service: Service,
        rating_given: u8,
        comment: Option<&str>,
        answers: BTreeMap<String, Answer>,
    ) -> Result<Feedback, ArchiveError> {
        let rating_given = rating(rating_given, "rating")?;
        let comment = comment.map(str::trim).filter(|c| !c.is_empty());
        if let Some(c) = comment {
            if c.chars().count() > MAX_COMMENT_CHARS {
                return Err(invalid(format!(
                    "comment: at most {MAX_COMMENT_CHARS} characters"
                )));
            }
            undermap_core::text::multiline("comment", c)?;
        }
        for (id, answer) in &answers {
            let q = self
                .for_service(service)
                .find(|q| q.id == *id)
                .ok_or_else(|| {
                    invalid(format!(
                        "answers: {} asks no question {id:?}",
                        service.as_str()
                    ))
                })?;
            match (&q.kind, answer) {
                (Kind::YesNo, Answer::YesNo(_)) => {}
                (Kind::Rating, Answer::Rating(n)) => {
                    rating(*n, id)?;
                }
                (Kind::Choice { options }, Answer::Choice(c)) if options.contains(c) => {}
                (Kind::Choice { options }, _) => {
                    return Err(invalid(format!("{id}: one of {}", options.join(", "))))
                }
                (Kind::YesNo, _) => return Err(invalid(format!("{id}: true or false"))),
                (Kind::Rating, _) => return Err(invalid(format!("{id}: a rating from 1 to 5"))),
            }
        }
        Ok(Feedback {
            service,
            rating: rating_given,
            comment: comment.map(str::to_owned),
            answers,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_questionnaire_parses() {
        let q = Questionnaire::parse(BUILTIN).unwrap();
        assert_eq!(q, Questionnaire::builtin());
        assert_eq!(q.for_service(Service::Appointment).count(), 3);
        assert_eq!(q.for_service(Service::Ticket).count(), 2);
    }

    #[test]
    fn feedback_is_refused_naming_what() {
        let q = Questionnaire::builtin();
        let answers = |pairs: &[(&str, Answer)]| {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect::<BTreeMap<_, _>>()
        };
        let ok = q
            .feedback(
                Service::Appointment,
                4,
                Some(" 很好 "),
                answers(&[
                    ("found", Answer::YesNo(true)),
                    ("waited", Answer::Choice("under_10_min".into())),
                    ("staff", Answer::Rating(5)),
                ]),
            )
            .unwrap();
        assert_eq!(ok.comment.as_deref(), Some("很好"));
        for (service, rating, comment, given, says) in [
            (Service::Ticket, 0, None, answers(&[]), "rating"),
            (Service::Ticket, 6, None, answers(&[]), "rating"),
            (
                Service::Ticket,
                3,
                Some("x".repeat(2001)),
                answers(&[]),
                "at most",
            ),
            (
                Service::Ticket,
                3,
                None,
                answers(&[("staff", Answer::Rating(4))]),
                "asks no question",
            ),
            (
                Service::Appointment,
                3,
                None,
                answers(&[("staff", Answer::Rating(9))]),
                "1 to 5",
            ),
            (
                Service::Appointment,
                3,
                None,
                answers(&[("found", Answer::Choice("yes".into()))]),
                "true or false",
            ),
            (
                Service::Appointment,
                3,
                None,
                answers(&[("waited", Answer::Choice("an hour".into()))]),
                "one of",
            ),
        ] {
            let e = q
                .feedback(service, rating, comment.as_deref(), given)
                .unwrap_err()
                .to_string();
            assert!(e.contains(says), "{says}: {e}");
        }
    }

    #[test]
    fn bad_questionnaires_are_refused() {
        for (text, says) in [
            ("[[question]]\nid = \"A\"\nservices = [\"ticket\"]\nkind = \"yes_no\"\nzh = \"\"\nen = \"\"", "a-z"),
            ("[[question]]\nid = \"a\"\nservices = []\nkind = \"yes_no\"\nzh = \"\"\nen = \"\"", "no service"),
            ("[[question]]\nid = \"a\"\nservices = [\"ticket\"]\nkind = \"choice\"\noptions = [\"x\"]\nzh = \"\"\nen = \"\"", "two or more"),
            ("[[question]]\nid = \"a\"\nservices = [\"visit\"]\nkind = \"yes_no\"\nzh = \"\"\nen = \"\"", "unknown variant"),
        ] {
            let e = Questionnaire::parse(text).unwrap_err().to_string();
            assert!(e.contains(says), "{says}: {e}");
        }
    }
}
