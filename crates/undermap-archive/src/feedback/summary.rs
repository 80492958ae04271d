//! The feedback report for a period: per service and month the answers, the mean rating, the
//! share satisfied (rating 4 or 5) and the ratings' spread; per question what was answered; the
//! words comments share; the low ratings with a comment, to act on.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Answer, Kind, Questionnaire, Service};

/// One stored answer, as the report reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The service.
    pub service: Service,
    /// What it was about (a ticket, an appointment, a file).
    pub subject: String,
    /// 1 to 5.
    pub rating: u8,
    /// The comment.
    pub comment: Option<String>,
    /// Answers by question id.
    pub answers: BTreeMap<String, Answer>,
    /// When it was given.
    pub given_at: DateTime<Utc>,
    /// `2026-12`: the month on the archive office's calendar.
    pub month: String,
}

/// Counts and rates of a set of answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tally {
    /// How many.
    pub responses: usize,
    /// Mean rating, two decimals; none without answers.
    pub mean_rating: Option<f64>,
    /// Share rating 4 or 5, percent, one decimal.
    pub satisfied_percent: Option<f64>,
    /// How many gave 1, 2, 3, 4 and 5.
    pub ratings: [usize; 5],
}

fn tally<'a>(entries: impl Iterator<Item = &'a Entry>) -> Tally {
    let mut ratings = [0usize; 5];
    for e in entries {
        ratings[usize::from(e.rating.clamp(1, 5) - 1)] += 1;
    }
    let responses: usize = ratings.iter().sum();
    let sum: usize = ratings.iter().enumerate().map(|(i, n)| (i + 1) * n).sum();
    let round = |v: f64, places: i32| (v * 10f64.powi(places)).round() / 10f64.powi(places);
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    let (mean, satisfied) = (
        (responses > 0).then(|| round(sum as f64 / responses as f64, 2)),
        (responses > 0).then(|| {
            round(
                (ratings[3] + ratings[4]) as f64 * 100.0 / responses as f64,
                1,
            )
        }),
    );
    Tally {
        responses,
        mean_rating: mean,
        satisfied_percent: satisfied,
        ratings,
    }
}

/// What one question got.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionReport {
    /// Its id.
    pub id: String,
    /// In Chinese.
    pub zh: String,
    /// In English.
    pub en: String,
    /// How many answered it.
    pub answered: usize,
    /// Yes/no: share yes, percent, one decimal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub yes_percent: Option<f64>,
    /// Rating: the mean, two decimals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    /// Choice: how many chose each option, in the questionnaire's order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<(String, usize)>,
}

/// One service's part of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceReport {
    /// The service.
    pub service: Service,
    /// All its answers in the period.
    #[serde(flatten)]
    pub tally: Tally,
    /// By month.
    pub months: Vec<(String, Tally)>,
    /// Its questions.
    pub questions: Vec<QuestionReport>,
}

/// A word or pair of characters several comments share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Term {
    /// The term.
    pub term: String,
    /// In how many comments.
    pub comments: usize,
}

/// A low rating with its comment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LowRating {
    /// The service.
    pub service: Service,
    /// What it was about.
    pub subject: String,
    /// 1 or 2.
    pub rating: u8,
    /// What was said.
    pub comment: String,
    /// When.
    pub given_at: DateTime<Utc>,
}

/// The report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Every answer in the period.
    #[serde(flatten)]
    pub total: Tally,
    /// By service.
    pub services: Vec<ServiceReport>,
    /// What comments share, most first (at least two comments each, at most 20 terms).
    pub common_terms: Vec<Term>,
    /// The newest ratings of 1 or 2 with a comment (at most 20).
    pub low_ratings: Vec<LowRating>,
}

const STOP_WORDS: &[&str] = &[
    "the", "and", "was", "for", "with", "but", "not", "are", "very", "too",
];

/// The terms of one comment: lower-case ASCII words of three letters or more (less a few
/// stop words), and each pair of neighbouring CJK characters.
fn terms(comment: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut word = String::new();
    let mut prev_cjk: Option<char> = None;
    let cjk = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    for c in comment.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_alphanumeric() {
            word.push(c.to_ascii_lowercase());
        } else {
            if word.chars().count() >= 3 && !STOP_WORDS.contains(&word.as_str()) {
                out.insert(std::mem::take(&mut word));
            }
            word.clear();
        }
        if cjk(c) {
            if let Some(p) = prev_cjk {
                out.insert(format!("{p}{c}"));
            }
            prev_cjk = Some(c);
        } else {
            prev_cjk = None;
        }
    }
    out
}

fn question_report(q: &super::Question, entries: &[&Entry]) -> QuestionReport {
    let given: Vec<&Answer> = entries
        .iter()
        .filter_map(|e| e.answers.get(&q.id))
        .collect();
    let n = given.len();
    #[allow(clippy::cast_precision_loss)]
    let share = |k: usize, places: f64| {
        (n > 0).then(|| (k as f64 * 100.0 / n as f64 * places).round() / places)
    };
    let mut report = QuestionReport {
        id: q.id.clone(),
        zh: q.zh.clone(),
        en: q.en.clone(),
        answered: n,
        yes_percent: None,
        mean: None,
        options: Vec::new(),
    };
    match &q.kind {
        Kind::YesNo => {
            report.yes_percent = share(
                given
                    .iter()
                    .filter(|a| matches!(a, Answer::YesNo(true)))
                    .count(),
                10.0,
            );
        }
        Kind::Rating => {
            let sum: usize = given
                .iter()
                .map(|a| {
                    if let Answer::Rating(r) = a {
                        usize::from(*r)
                    } else {
                        0
                    }
                })
                .sum();
            #[allow(clippy::cast_precision_loss)]
            let mean = (n > 0).then(|| (sum as f64 / n as f64 * 100.0).round() / 100.0);
            report.mean = mean;
        }
        Kind::Choice { options } => {
            report.options = options
                .iter()
                .map(|o| {
                    (
                        o.clone(),
                        given
                            .iter()
                            .filter(|a| matches!(a, Answer::Choice(c) if c == o))
                            .count(),
                    )
                })
                .collect();
        }
    }
    report
}

/// The report of `entries` (one period's answers) on `questionnaire`.
#[must_use]
pub fn report(entries: &[Entry], questionnaire: &Questionnaire) -> Report {
    let services = Service::ALL
        .into_iter()
        .map(|service| {
            let mine: Vec<&Entry> = entries.iter().filter(|e| e.service == service).collect();
            let months: BTreeSet<&str> = mine.iter().map(|e| e.month.as_str()).collect();
            ServiceReport {
                service,
                tally: tally(mine.iter().copied()),
                months: months
                    .into_iter()
                    .map(|m| {
                        (
                            m.to_owned(),
                            tally(mine.iter().copied().filter(|e| e.month == m)),
                        )
                    })
                    .collect(),
                questions: questionnaire
                    .for_service(service)
                    .map(|q| question_report(q, &mine))
                    .collect(),
            }
        })
        .collect();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for e in entries {
        for t in terms(e.comment.as_deref().unwrap_or_default()) {
            *counts.entry(t).or_default() += 1;
        }
    }
    let mut common: Vec<Term> = counts
        .into_iter()
        .filter(|(_, n)| *n >= 2)
        .map(|(term, comments)| Term { term, comments })
        .collect();
    common.sort_by(|a, b| {
        b.comments
            .cmp(&a.comments)
            .then_with(|| a.term.cmp(&b.term))
    });
    common.truncate(20);
    let mut low: Vec<LowRating> = entries
        .iter()
        .filter(|e| e.rating <= 2)
        .filter_map(|e| {
            e.comment.as_ref().map(|c| LowRating {
                service: e.service,
                subject: e.subject.clone(),
                rating: e.rating,
                comment: c.clone(),
                given_at: e.given_at,
            })
        })
        .collect();
    low.sort_by_key(|l| std::cmp::Reverse(l.given_at));
    low.truncate(20);
    Report {
        total: tally(entries.iter()),
        services,
        common_terms: common,
        low_ratings: low,
    }
}

/// The report's CSV header: one row per service and month.
pub const CSV_HEADER: [&str; 10] = [
    "service",
    "month",
    "responses",
    "mean_rating",
    "satisfied_percent",
    "rating_1",
    "rating_2",
    "rating_3",
    "rating_4",
    "rating_5",
];

/// The report's rows for CSV, in [`CSV_HEADER`]'s order.
#[must_use]
pub fn csv_rows(report: &Report) -> Vec<[String; 10]> {
    let opt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    report
        .services
        .iter()
        .flat_map(|s| {
            s.months.iter().map(move |(month, t)| {
                [
                    s.service.as_str().to_owned(),
                    month.clone(),
                    t.responses.to_string(),
                    opt(t.mean_rating),
                    opt(t.satisfied_percent),
                    t.ratings[0].to_string(),
                    t.ratings[1].to_string(),
                    t.ratings[2].to_string(),
                    t.ratings[3].to_string(),
                    t.ratings[4].to_string(),
                ]
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn entry(service: Service, rating: u8, month: &str, comment: Option<&str>, day: u32) -> Entry {
        Entry {
            service,
            subject: format!("s{day}"),
            rating,
            comment: comment.map(str::to_owned),
            answers: BTreeMap::from([("found".to_owned(), Answer::YesNo(rating >= 3))]),
            given_at: Utc.with_ymd_and_hms(2026, 11, day, 8, 0, 0).unwrap(),
            month: month.into(),
        }
    }

    #[test]
    fn satisfaction_by_service_and_month_as_counted_by_hand() {
        let entries = vec![
            entry(
                Service::Appointment,
                5,
                "2026-11",
                Some("窗口服务很好，等候时间短"),
                1,
            ),
            entry(
                Service::Appointment,
                4,
                "2026-11",
                Some("等候时间太长 but staff helpful"),
                2,
            ),
            entry(
                Service::Appointment,
                1,
                "2026-12",
                Some("等候时间太长，没有找到图纸"),
                3,
            ),
            entry(Service::Download, 3, "2026-12", None, 4),
            entry(Service::Ticket, 2, "2026-12", None, 5),
        ];
        let r = report(&entries, &Questionnaire::builtin());
        assert_eq!(r.total.responses, 5);
        assert_eq!(r.total.mean_rating, Some(3.0));
        assert_eq!(r.total.satisfied_percent, Some(40.0));
        let visits = &r.services[2];
        assert_eq!(visits.service, Service::Appointment);
        assert_eq!(visits.tally.ratings, [1, 0, 0, 1, 1]);
        assert_eq!(visits.tally.mean_rating, Some(3.33));
        assert_eq!(visits.months.len(), 2);
        assert_eq!(visits.months[0].1.satisfied_percent, Some(100.0));
        assert_eq!(visits.months[1].1.satisfied_percent, Some(0.0));
        let found = visits.questions.iter().find(|q| q.id == "found").unwrap();
        assert_eq!((found.answered, found.yes_percent), (3, Some(66.7)));
        // 等候 and 候时 and 时间 are in all three comments; 太长 in two; "staff" in one only.
        let top: Vec<(&str, usize)> = r
            .common_terms
            .iter()
            .map(|t| (t.term.as_str(), t.comments))
            .collect();
        assert!(
            top.starts_with(&[("候时", 3), ("时间", 3), ("等候", 3)]),
            "{top:?}"
        );
        assert!(top.contains(&("太长", 2)));
        assert!(!top.iter().any(|(t, _)| *t == "staff"));
        assert_eq!(
            r.low_ratings.len(),
            1,
            "a 2 without a comment is not listed"
        );
        assert_eq!(csv_rows(&r).len(), 4);
        assert_eq!(
            csv_rows(&r)[0][..3],
            ["download".to_owned(), "2026-12".into(), "1".into()]
        );
    }

    #[test]
    fn no_answers_give_no_rates() {
        let r = report(&[], &Questionnaire::builtin());
        assert_eq!(r.total.mean_rating, None);
        assert!(r.services.iter().all(|s| s.months.is_empty()));
    }
}
