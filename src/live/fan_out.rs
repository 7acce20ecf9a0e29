//! What each committed change sends to whom, in two steps. `prepare` runs
//! on the committing thread, writer held: it reads once all the change's
//! fragments need (a `Plan`). `deliver` runs on the hub's delivery task, in
//! commit order: it renders each fragment once per page and kind of viewer
//! and queues it for every watcher (see `Subs::fan_out`). The writer is free
//! again before the fan-out; the pushes, and the wake-ups of ten thousand
//! socket tasks, happen on a runtime thread, where waking a task is cheap.

use std::collections::{HashMap, HashSet};

use crate::db::Conn;
use maud::html;

use super::catch_up::Frames;
use super::change::Change;
use super::hub::frames_of;
use super::markers::{self, Own};
use super::render;
use super::subs::{Sub, Subs};
use super::watch::{Key, Kind, Watch};
use crate::error::AppResult;
use crate::forums::queries::{self as forum_queries, Forum, ForumSummary};
use crate::messages::page_of;
use crate::messages::queries::{self as message_queries, MessageRow};
use crate::reads::ReadMarks;
use crate::topics::queries::{self as topic_queries, Topic, TopicRow};
use crate::views::components::{PAGE_SIZE, Paging};

/// What a change's fragments are built from, read in one go.
#[derive(Default)]
struct Snapshot {
    home: Option<Vec<ForumSummary>>,
    forum: Option<Forum>,
    first_page: Option<Vec<TopicRow>>,
    topic: Option<Topic>,
    message: Option<(MessageRow, i64)>,
}

fn read_snapshot(conn: &Conn, change: &Change, need: Need) -> AppResult<Snapshot> {
    let mut s = Snapshot::default();
    if need.home {
        s.home = Some(forum_queries::list(conn)?);
    }
    if need.forum {
        s.forum = forum_queries::by_id(conn, change.forum())?;
        if s.forum.is_some() && change.touches_forum_list() {
            s.first_page = Some(topic_queries::page(conn, change.forum(), 0, PAGE_SIZE)?);
        }
    }
    if need.topic
        && let Some(topic_id) = change.topic()
    {
        s.topic = topic_queries::by_id(conn, topic_id)?;
        if let Some(mid) = change.message()
            && let Some(m) = message_queries::by_id(conn, mid)?
        {
            let pos = message_queries::position(conn, topic_id, mid)?;
            s.message = Some((m, pos));
        }
    }
    Ok(s)
}

#[derive(Clone, Copy)]
struct Need {
    home: bool,
    forum: bool,
    topic: bool,
}

/// A change, and everything its fragments need, read on the writer.
pub(super) struct Plan {
    change: Change,
    need: Need,
    snapshot: Snapshot,
    /// A lock: each watched topic page's catch-up, per kind of viewer.
    locked: HashMap<(Watch, Kind), Frames>,
    /// A deletion: the page it was on, and the message now last on each
    /// watched page from there (`None`: the page is not full).
    deleted: Option<(u32, HashMap<u32, Option<MessageRow>>)>,
    /// Members' own markers, sent after the shared fragments.
    own: Vec<Own>,
}

/// Reads what `change`, just committed on `conn`, sends to the watchers
/// `subs` has now.
pub(super) fn prepare(
    conn: &Conn,
    subs: &mut Subs,
    marks: &ReadMarks,
    change: &Change,
) -> AppResult<Plan> {
    let forum_id = change.forum();
    let need = Need {
        home: change.touches_home() && subs.watching(Key::Home),
        forum: change.touches_forum_page() && subs.watching(Key::Forum(forum_id)),
        topic: change.topic().is_some_and(|t| subs.watching(Key::Topic(t))),
    };
    let snapshot = read_snapshot(conn, change, need)?;
    let own = markers::after_change(
        conn,
        subs,
        marks,
        change,
        snapshot.first_page.as_deref(),
        snapshot
            .message
            .as_ref()
            .map(|(_, position)| page_of(*position)),
    )?;
    let mut plan = Plan {
        change: change.clone(),
        need,
        snapshot,
        locked: HashMap::new(),
        deleted: None,
        own,
    };
    let (Some(topic_id), Some(_)) = (change.topic(), &plan.snapshot.topic) else {
        return Ok(plan);
    };
    let key = Key::Topic(topic_id);
    match change {
        Change::TopicLocked { .. } => {
            // Every message's controls may change: each page is caught up whole.
            let groups: HashSet<(Watch, Kind)> = subs
                .watchers(key)
                .iter()
                .map(|sub| (sub.watch, sub.kind))
                .collect();
            // Not cached: read after the whole batch committed, they may
            // hold changes of it not yet published.
            for (watch, kind) in groups {
                let (frames, _) = frames_of(render::catch_up(conn, watch, kind)?);
                plan.locked.insert((watch, kind), frames);
            }
        }
        Change::MessageDeleted { before, .. } => {
            // The messages after it move up one place: from its page on, each
            // page's first message goes to the page before, and each page
            // gets the first of the next: the message now last on it.
            let from_page = page_of(*before);
            let mut last_of: HashMap<u32, Option<MessageRow>> = HashMap::new();
            for sub in subs.watchers(key) {
                let page = watched_page(sub);
                for p in [page, page - 1] {
                    if p >= from_page && !last_of.contains_key(&p) {
                        let at = i64::from(p) * i64::from(PAGE_SIZE) - 1;
                        last_of.insert(p, message_queries::page(conn, topic_id, at, 1)?.pop());
                    }
                }
            }
            plan.deleted = Some((from_page, last_of));
        }
        _ => {}
    }
    Ok(plan)
}

/// Renders and queues `plan`'s fragments for its watchers.
pub(super) fn deliver(subs: &mut Subs, plan: Plan) {
    let Plan {
        change,
        need,
        snapshot,
        locked,
        deleted,
        own,
    } = plan;
    let change = &change;
    if let Some(forums) = &snapshot.home {
        // Rendered once per language watching.
        subs.fan_out(
            Key::Home,
            |sub| sub.kind.lang(),
            |sub| Some(render::home(sub.kind.lang(), forums)),
        );
    }
    if need.forum {
        forum_frames(subs, change, &snapshot);
    }
    if need.topic
        && let Some(topic_id) = change.topic()
    {
        topic_frames(subs, change, topic_id, snapshot, locked, deleted);
    }
    if let Change::ForumDeleted { topic_ids, .. } = change {
        for &t in topic_ids {
            subs.fan_out(
                Key::Topic(t),
                |sub| sub.kind.lang(),
                |sub| Some(render::topic_deleted(sub.kind.lang(), None)),
            );
        }
    }
    for Own { key, page, frames } in own {
        subs.deliver(key, |sub| {
            let on_page = page.is_none_or(|p| markers::watched_page(sub.watch) == p);
            sub.user
                .filter(|_| on_page)
                .and_then(|user| frames.get(&user).cloned())
        });
    }
}

fn watched_page(sub: &Sub) -> u32 {
    markers::watched_page(sub.watch)
}

fn forum_frames(subs: &mut Subs, change: &Change, s: &Snapshot) {
    let forum_id = change.forum();
    let key = Key::Forum(forum_id);
    let Some(forum) = &s.forum else {
        subs.fan_out(
            key,
            |sub| sub.kind.lang(),
            |sub| Some(render::forum_deleted(sub.kind.lang())),
        );
        return;
    };
    let head_changed = matches!(change, Change::ForumChanged { .. });
    subs.fan_out(
        key,
        |sub| {
            let kind = sub.kind;
            (watched_page(sub), kind.role().is_member(), kind.lang())
        },
        |sub| {
            let l = sub.kind.lang();
            let page = watched_page(sub);
            let paging = Paging::new(page, forum.topic_count);
            Some(html! {
                @if head_changed { (render::forum_head(forum)) }
                @if let Some(rows) = &s.first_page {
                    @if page == 1 {
                        (render::forum_first_page(l, forum_id, rows, paging, sub.kind.role().is_member()))
                    } @else {
                        (render::newer_activity(l, forum_id))
                        (render::forum_pager(l, forum_id, paging))
                    }
                }
            })
        },
    );
}

fn topic_frames(
    subs: &mut Subs,
    change: &Change,
    topic_id: i64,
    s: Snapshot,
    locked: HashMap<(Watch, Kind), Frames>,
    deleted: Option<(u32, HashMap<u32, Option<MessageRow>>)>,
) {
    let key = Key::Topic(topic_id);
    let Some(topic) = s.topic else {
        let forum = change.forum();
        subs.fan_out(
            key,
            |sub| sub.kind.lang(),
            |sub| Some(render::topic_deleted(sub.kind.lang(), Some(forum))),
        );
        return;
    };
    match change {
        Change::TopicLocked { .. } => {
            subs.deliver_all(key, |sub| locked.get(&(sub.watch, sub.kind)).cloned());
        }
        Change::MessageDeleted { message_id, .. } => {
            let id = *message_id;
            let Some((from_page, last_of)) = deleted else {
                return;
            };
            let last_of = |p: u32| last_of.get(&p).and_then(Option::as_ref);
            // The pagers change only when the last page emptied; a page
            // past the new last one says it is gone, as its reload would.
            let pages_changed = topic.message_count % i64::from(PAGE_SIZE) == 0;
            let last_page = Paging::new(1, topic.message_count).last;
            subs.fan_out(
                key,
                |sub| {
                    let page = watched_page(sub);
                    let kind = last_of(page).is_some().then_some(sub.kind);
                    (page, kind, sub.kind.lang())
                },
                |sub| {
                    let l = sub.kind.lang();
                    let page = watched_page(sub);
                    Some(html! {
                        (render::removal(id))
                        @if let Some(m) = last_of(page - 1).filter(|_| page > from_page) {
                            (render::removal(m.id))
                        }
                        @if let Some(m) = last_of(page) {
                            (render::message(m, &topic, sub.kind))
                        }
                        @if pages_changed {
                            (render::topic_pager(l, topic_id, Paging::new(page, topic.message_count)))
                        }
                        @if page > last_page { (render::topic_page_gone(l, topic_id)) }
                    })
                },
            );
        }
        Change::MessageCreated { .. } | Change::MessageEdited { .. } => {
            let Some((m, position)) = &s.message else {
                return;
            };
            let message_page = page_of(*position);
            let created = matches!(change, Change::MessageCreated { .. });
            // The pagers move only when the message opens a new last page.
            let new_page = created && position % i64::from(PAGE_SIZE) == 0;
            subs.fan_out(
                key,
                |sub| {
                    let page = watched_page(sub);
                    // Only the message's own page varies by viewer.
                    let kind = (page == message_page).then_some(sub.kind);
                    (page, kind, sub.kind.lang())
                },
                |sub| {
                    let l = sub.kind.lang();
                    let page = watched_page(sub);
                    let paging = Paging::new(page, topic.message_count);
                    if page == message_page {
                        Some(html! {
                            (render::message(m, &topic, sub.kind))
                            @if new_page { (render::topic_pager(l, topic_id, paging)) }
                        })
                    } else if created && page < message_page {
                        let after = topic.message_count - i64::from(page) * i64::from(PAGE_SIZE);
                        Some(html! {
                            (render::new_messages(l, topic_id, paging, after))
                            @if new_page { (render::topic_pager(l, topic_id, paging)) }
                        })
                    } else {
                        None
                    }
                },
            );
        }
        _ => {}
    }
}
