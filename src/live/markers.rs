//! Policy: each member's own markers of what they have not read, on their
//! home and forum pages (see `reads::views`). The shared fragments leave
//! them in place; these frames, one per member, change them: with a
//! socket's catch-up, after a message is written or removed, and when the
//! member's marks move (a topic read, "mark all read").

use std::collections::HashMap;

use crate::db::{Conn, OptionalExtension};
use axum::extract::ws::Utf8Bytes;

use super::change::Change;
use super::subs::Subs;
use super::watch::{Key, Watch};
use crate::error::{AppError, AppResult};
use crate::forums;
use crate::i18n::Lang;
use crate::reads::{self, ReadMarks, views};
use crate::topics::queries::TopicRow;

/// Whether a member's socket on `watch` gets markers of its own.
pub(super) fn shown_on(watch: Watch) -> bool {
    matches!(watch, Watch::Home | Watch::Forum { .. })
}

/// The frame that sets every marker on `watch` as `user` sees them now
/// (`None`: nothing to set).
pub(super) fn frame(
    conn: &Conn,
    marks: &ReadMarks,
    user: i64,
    watch: Watch,
    l: Lang,
) -> AppResult<Option<Utf8Bytes>> {
    let mut out = String::new();
    match watch {
        Watch::Home => {
            let forums = forums::queries::list(conn)?;
            for f in &forums {
                let unread = reads::forum_unread(conn, marks, user, f.id)?;
                out.push_str(&views::forum_update(l, f.id, unread).into_string());
            }
        }
        Watch::Forum { id, page } => match forums::load_page(conn, id, page) {
            Ok((_, rows, _)) => {
                let unread = reads::unread_rows(conn, marks, user, id, &rows)?;
                for t in &rows {
                    let u = unread.get(&t.id).copied().flatten();
                    out.push_str(&views::topic_update(l, t.id, &t.title, u.as_ref()).into_string());
                }
            }
            Err(AppError::NotFound) => {}
            Err(e) => return Err(e),
        },
        _ => {}
    }
    Ok((!out.is_empty()).then(|| Utf8Bytes::from(out)))
}

/// Frames for the members watching `key` (on `page` only, when given), by
/// member.
pub(super) struct Own {
    pub key: Key,
    pub page: Option<u32>,
    pub frames: HashMap<i64, Utf8Bytes>,
}

/// What a change just committed does to members' markers. A new message is
/// read by its author and by every member whose open page shows it (their
/// marks move here, in commit order); for everyone else it is news.
/// `first_page`: the forum's first page of topics, when read; `page`: the
/// topic page the message is on, when its topic is watched.
pub(super) fn after_change(
    conn: &Conn,
    subs: &Subs,
    marks: &ReadMarks,
    change: &Change,
    first_page: Option<&[TopicRow]>,
    page: Option<u32>,
) -> AppResult<Vec<Own>> {
    let forum_id = change.forum();
    match *change {
        Change::TopicCreated {
            topic_id,
            message_id,
            ..
        }
        | Change::MessageCreated {
            topic_id,
            message_id,
            ..
        } => {
            let mut readers = Vec::new();
            if let Some(author) = author_of(conn, message_id)? {
                marks.mark(author, topic_id, message_id);
                readers.push(author);
            }
            if let Some(page) = page {
                for sub in subs.watchers(Key::Topic(topic_id)) {
                    if let (Some(user), true) = (sub.user, watched_page(sub.watch) == page)
                        && sub.kind.role().is_member()
                    {
                        marks.mark(user, topic_id, message_id);
                        readers.push(user);
                    }
                }
            }
            let mut own = Vec::new();
            if let Some(row) = first_page.and_then(|rows| rows.iter().find(|t| t.id == topic_id)) {
                let mut frames = HashMap::new();
                for sub in subs.watchers(Key::Forum(forum_id)) {
                    let Some(user) = sub.user.filter(|_| watched_page(sub.watch) == 1) else {
                        continue;
                    };
                    if frames.contains_key(&user) {
                        continue;
                    }
                    let topic = (row.id, row.last_message_id, row.message_count);
                    let unread = reads::unread_in_forum(conn, marks, user, forum_id, topic)?;
                    let frame =
                        views::topic_update(sub.kind.lang(), row.id, &row.title, unread.as_ref());
                    frames.insert(user, Utf8Bytes::from(frame.into_string()));
                }
                own.push(Own {
                    key: Key::Forum(forum_id),
                    page: Some(1),
                    frames,
                });
            }
            if subs.watching(Key::Home) {
                let news = Lang::ALL
                    .map(|l| Utf8Bytes::from(views::forum_update(l, forum_id, true).into_string()));
                let mut frames = HashMap::new();
                for (user, l) in subs
                    .watchers(Key::Home)
                    .iter()
                    .filter_map(|s| Some((s.user?, s.kind.lang())))
                {
                    if frames.contains_key(&user) {
                        continue;
                    }
                    let frame = if readers.contains(&user) {
                        let unread = reads::forum_unread(conn, marks, user, forum_id)?;
                        Utf8Bytes::from(views::forum_update(l, forum_id, unread).into_string())
                    } else {
                        news[l as usize].clone()
                    };
                    frames.insert(user, frame);
                }
                own.push(Own {
                    key: Key::Home,
                    page: None,
                    frames,
                });
            }
            Ok(own)
        }
        // Rare (admins only): each member's markers are set again whole.
        Change::MessageDeleted { .. } | Change::TopicDeleted { .. } => {
            let mut own = Vec::new();
            for key in [Key::Home, Key::Forum(forum_id)] {
                let mut by_watch: HashMap<(i64, Watch), Option<Utf8Bytes>> = HashMap::new();
                for sub in subs.watchers(key) {
                    if let Some(user) = sub.user
                        && !by_watch.contains_key(&(user, sub.watch))
                    {
                        let f = frame(conn, marks, user, sub.watch, sub.kind.lang())?;
                        by_watch.insert((user, sub.watch), f);
                    }
                }
                // Per page: members on several pages of a forum get each theirs.
                let mut pages: HashMap<Option<u32>, HashMap<i64, Utf8Bytes>> = HashMap::new();
                for ((user, watch), f) in by_watch {
                    let page = match watch {
                        Watch::Forum { page, .. } => Some(page),
                        _ => None,
                    };
                    if let Some(f) = f {
                        pages.entry(page).or_default().insert(user, f);
                    }
                }
                own.extend(
                    pages
                        .into_iter()
                        .map(|(page, frames)| Own { key, page, frames }),
                );
            }
            Ok(own)
        }
        _ => Ok(Vec::new()),
    }
}

fn author_of(conn: &Conn, message_id: i64) -> crate::db::Result<Option<i64>> {
    conn.prepare_cached("SELECT author_id FROM messages WHERE id = ?1")?
        .query_row([message_id], |r| r.get(0))
        .optional()
}

pub(super) fn watched_page(watch: Watch) -> u32 {
    match watch {
        Watch::Forum { page, .. } | Watch::Topic { page, .. } => page,
        _ => 1,
    }
}
