//! A new ticket's text, written once, straight from the check's matches.
//!
//! The ticket is written in its canonical form (docs/tickets.md): object keys sorted by their
//! UTF-8 bytes at every level, no white space. Those bytes are what is signed; the stored and
//! returned text is the same bytes with the `signature` member put in its sorted place. So a
//! ticket costs one JSON write and a copy, not a canonical pass and a second write.
//!
//! A hit borrows the feature's own strings and carries its geometry reprojected once; the
//! coordinates are rounded as they are written. Stored tickets are still verified from their
//! text ([`crate::canonical`]), which gives back these bytes: the tests below hold it to that.

use chrono::{DateTime, NaiveDate, Utc};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::Value;
use undermap_core::TicketType;

use super::counts::{owners, summary};
use super::hits::HitOut;
use crate::{ServiceError, TicketSignature};

/// Any JSON value with its object keys sorted (the client's own `area`).
struct Sorted<'a>(&'a Value);

impl Serialize for Sorted<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
                let mut m = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    m.serialize_entry(k, &Sorted(v))?;
                }
                m.end()
            }
            Value::Array(items) => s.collect_seq(items.iter().map(Sorted)),
            scalar => scalar.serialize(s),
        }
    }
}

/// A ticket's words in both languages (members in sorted order).
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Bilingual {
    pub en: &'static str,
    pub zh: &'static str,
}

/// What an orientation ticket says of itself.
pub(crate) const ORIENTATION_NOTICE: Bilingual = Bilingual {
    en: "Orientation ticket, for planning and design only: no excavation may rely on it. Ask for a dig ticket before digging.",
    zh: "规划设计查询单，仅供规划设计使用，不得据此开挖；开挖前须另行申请开挖查询。",
};

/// What an emergency ticket says of itself.
pub(crate) const EMERGENCY_NOTICE: Bilingual = Bilingual {
    en: "Emergency ticket: dig only to make the emergency safe. Call every owner listed now. The holder gives the emergency's reason by the end of the next working day.",
    zh: "紧急抢修查询单：仅限抢险处置开挖，请立即联系所列全部权属单位；申请人须于下一个工作日结束前补报抢修事由。",
};

/// A new ticket's parts, borrowed; [`Answer::write`] writes it.
pub(crate) struct Answer<'a> {
    pub id: &'a str,
    pub created_at: DateTime<Utc>,
    pub valid_until: Option<NaiveDate>,
    pub ticket_type: TicketType,
    /// A dig's first day.
    pub planned_start: Option<NaiveDate>,
    pub issued_to: Option<&'a str>,
    pub reference: Option<&'a str>,
    pub crs: &'a str,
    /// The area as the client gave it.
    pub area: &'a Value,
    pub area_m2: f64,
    pub buffer_m: f64,
    pub depth_m: Option<f64>,
    pub layers: &'a [String],
    pub data_as_of: DateTime<Utc>,
    pub at: Option<DateTime<Utc>>,
    pub stale: bool,
    /// Most severe first; the summary and the owners to call are counted from them.
    pub hits: &'a [HitOut<'a>],
    /// The archive projects the area touches, nearest first.
    pub archive_projects: &'a [crate::archive::TouchingProject],
    /// When the registered owners asked must have answered (none asked: none).
    pub reply_by: Option<DateTime<Utc>>,
    /// An emergency's owners to call at once and its dangers.
    pub emergency: Option<&'a super::asked::EmergencyFacts<'a>>,
    /// The precaution zones the area touches, with each owner's requirement.
    pub precautions: &'a [super::precautions::PrecautionOut<'a>],
}

/// A ticket's canonical bytes and where its signature goes in them.
pub(crate) struct Written {
    canonical: Vec<u8>,
    /// Byte offset of the `,"stale"` member, which `signature` sorts just before.
    signature_at: usize,
}

impl Answer<'_> {
    /// The ticket's canonical bytes.
    pub(crate) fn write(&self) -> Written {
        let mut w = Members {
            out: Vec::with_capacity(1024 + self.hits.len() * 1024),
            first: true,
        };
        // Members in sorted order: keep them so. `signature` would sort between `reference`
        // and `stale`.
        if let Some(by) = &self.reply_by {
            w.member("answer_by", by);
        }
        w.member("archive_projects", self.archive_projects);
        w.member("area", &Sorted(self.area));
        w.member("area_m2", &self.area_m2);
        if let Some(at) = &self.at {
            w.member("at", at);
        }
        w.member("buffer_m", &self.buffer_m);
        w.member("created_at", &self.created_at);
        w.member("crs", self.crs);
        w.member("data_as_of", &self.data_as_of);
        w.member("depth_m", &self.depth_m);
        w.member(
            "dig_allowed",
            &(self.ticket_type != TicketType::Orientation),
        );
        if let Some(facts) = self.emergency {
            w.member("emergency", facts);
        }
        w.member("hits", self.hits);
        w.member("id", self.id);
        if let Some(holder) = self.issued_to {
            w.member("issued_to", holder);
        }
        w.member("layers", self.layers);
        match self.ticket_type {
            TicketType::Orientation => w.member("notice", &ORIENTATION_NOTICE),
            TicketType::Emergency => w.member("notice", &EMERGENCY_NOTICE),
            TicketType::Dig => {}
        }
        w.member("owners", &owners(self.hits));
        if let Some(day) = &self.planned_start {
            w.member("planned_start", day);
        }
        if !self.precautions.is_empty() {
            w.member("precautions", self.precautions);
        }
        w.member("reference", &self.reference);
        let signature_at = w.out.len();
        w.member("stale", &self.stale);
        w.member("summary", &summary(self.hits));
        w.member("type", &self.ticket_type);
        if let Some(day) = &self.valid_until {
            w.member("valid_until", day);
        }
        w.out.push(b'}');
        Written {
            canonical: w.out,
            signature_at,
        }
    }
}

impl Written {
    /// The bytes the ticket is signed over.
    pub(crate) fn canonical(&self) -> &[u8] {
        &self.canonical
    }

    /// The ticket's text: the canonical bytes with `signature` spliced into its sorted place
    /// (only the few members after it move).
    pub(crate) fn signed(self, signature: &TicketSignature) -> Result<String, ServiceError> {
        let mut member = br#","signature":"#.to_vec();
        // Writing typed values into a Vec cannot fail: every map key is a string.
        let _ = serde_json::to_writer(&mut member, signature);
        let mut text = self.canonical;
        text.splice(self.signature_at..self.signature_at, member);
        // serde_json writes UTF-8, and the splice is at a member's boundary.
        String::from_utf8(text).map_err(|e| ServiceError::internal("writing the ticket", e))
    }
}

/// Writes an object's members one by one, so that a member's offset is known.
struct Members {
    out: Vec<u8>,
    first: bool,
}

impl Members {
    fn member<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) {
        self.out.push(if self.first { b'{' } else { b',' });
        self.first = false;
        // Writing typed values into a Vec cannot fail: every map key is a string.
        let _ = serde_json::to_writer(&mut self.out, key);
        self.out.push(b':');
        let _ = serde_json::to_writer(&mut self.out, value);
    }
}

#[cfg(test)]
mod tests;
