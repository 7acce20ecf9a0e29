//! What an instance tells every instance after a commit: the events of the
//! change log (see `db::pg`). On SQLite, where one process serves every
//! socket, the same events are handled by the writer right after the commit.

use serde::{Deserialize, Serialize};

use super::Change;

/// One logged event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// Forum content changed: pages watching it are told.
    Change(Change),
    /// Members' unread notification counts moved: their bells ring.
    Bells(Vec<(i64, u32)>),
    /// An account's sessions ended (password changed, logged out
    /// everywhere, disabled): its sockets close on every instance.
    SessionsEnded { user: i64, epoch: i64 },
    /// A session was changed or deleted (a login, a logout): instances that
    /// keep it in memory read it again from the database.
    SessionChanged { id: String },
}

impl Event {
    /// A change, and the bells it rang (none when no count moved).
    pub fn change_and_bells(change: Change, counts: &[(i64, u32)]) -> Vec<Event> {
        let mut events = vec![Event::Change(change)];
        if !counts.is_empty() {
            events.push(Event::Bells(counts.to_vec()));
        }
        events
    }

    /// As stored in the log.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// From the log; `None` for what this build cannot read.
    pub fn decode(payload: &str) -> Option<Self> {
        serde_json::from_str(payload).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_read_back_as_written() {
        for e in [
            Event::Change(Change::ForumDeleted {
                forum_id: 3,
                topic_ids: vec![1, 2],
            }),
            Event::Bells(vec![(1, 0), (7, 99)]),
            Event::SessionsEnded { user: 5, epoch: 2 },
            Event::SessionChanged { id: "abc".into() },
        ] {
            assert_eq!(Event::decode(&e.encode()), Some(e));
        }
        assert_eq!(Event::decode("{\"Unknown\":1}"), None);
    }
}
