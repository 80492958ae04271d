//! A subscription's feed as an Atom document (RFC 4287), written with the `atom_syndication`
//! crate: one entry per event, newest first, its id a URN that never changes, its link the API
//! resource it is about, its category the kind of event.

use atom_syndication::{
    CategoryBuilder, EntryBuilder, FeedBuilder, FixedDateTime, LinkBuilder, PersonBuilder, Text,
};
use undermap_store::{FeedEvent, Subscription};

/// The media type of a feed.
pub const FEED_MEDIA_TYPE: &str = "application/atom+xml";

fn time(t: chrono::DateTime<chrono::Utc>) -> FixedDateTime {
    t.fixed_offset()
}

/// The feed of `s` with `events` (newest first), links on `base`; `key` makes its self link.
pub(super) fn document(s: &Subscription, events: &[FeedEvent], base: &str, key: &str) -> String {
    let updated = events.first().map_or(s.fields.created_at, |e| e.event.at);
    let entries = events
        .iter()
        .map(|e| {
            let ev = &e.event;
            let mut categories = vec![CategoryBuilder::default()
                .term(ev.kind.clone())
                .scheme(Some("urn:undermap:event-kind".to_owned()))
                .build()];
            if let Some(c) = ev.category.as_ref().or(ev.layer.as_ref()) {
                categories.push(CategoryBuilder::default().term(c.clone()).build());
            }
            EntryBuilder::default()
                .id(format!("urn:undermap:event:{}", e.id))
                .title(Text::plain(ev.title.clone()))
                .updated(time(ev.at))
                .published(Some(time(ev.at)))
                .summary(Some(Text::plain(ev.summary.clone())))
                .links(vec![LinkBuilder::default()
                    .href(format!("{base}{}", ev.link))
                    .rel("alternate".to_owned())
                    .build()])
                .categories(categories)
                .build()
        })
        .collect::<Vec<_>>();
    FeedBuilder::default()
        .id(format!("urn:undermap:subscription:{}", s.id))
        .title(Text::plain(s.fields.title.clone()))
        .updated(time(updated))
        .authors(vec![PersonBuilder::default()
            .name("undermap".to_owned())
            .build()])
        .links(vec![LinkBuilder::default()
            .href(format!("{base}/v1/feeds/{key}"))
            .rel("self".to_owned())
            .mime_type(Some(FEED_MEDIA_TYPE.to_owned()))
            .build()])
        .generator(Some(atom_syndication::Generator {
            value: "undermap".into(),
            uri: None,
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }))
        .entries(entries)
        .build()
        .to_string()
}
