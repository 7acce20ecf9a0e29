//! What handlers announce to the hub after a commit: which objects changed,
//! by id. The hub reads their current state itself.

/// A committed change, announced by the handler that made it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Change {
    TopicCreated {
        forum_id: i64,
        topic_id: i64,
        message_id: i64,
    },
    MessageCreated {
        forum_id: i64,
        topic_id: i64,
        message_id: i64,
    },
    MessageEdited {
        forum_id: i64,
        topic_id: i64,
        message_id: i64,
    },
    MessageDeleted {
        forum_id: i64,
        topic_id: i64,
        message_id: i64,
        /// How many messages of the topic came before it.
        before: i64,
    },
    TopicLocked {
        forum_id: i64,
        topic_id: i64,
    },
    TopicDeleted {
        forum_id: i64,
        topic_id: i64,
    },
    ForumChanged {
        forum_id: i64,
    },
    ForumDeleted {
        forum_id: i64,
        topic_ids: Vec<i64>,
    },
}

impl Change {
    pub(super) fn forum(&self) -> i64 {
        match *self {
            Change::TopicCreated { forum_id, .. }
            | Change::MessageCreated { forum_id, .. }
            | Change::MessageEdited { forum_id, .. }
            | Change::MessageDeleted { forum_id, .. }
            | Change::TopicLocked { forum_id, .. }
            | Change::TopicDeleted { forum_id, .. }
            | Change::ForumChanged { forum_id }
            | Change::ForumDeleted { forum_id, .. } => forum_id,
        }
    }
    pub(super) fn topic(&self) -> Option<i64> {
        match *self {
            Change::TopicCreated { topic_id, .. }
            | Change::MessageCreated { topic_id, .. }
            | Change::MessageEdited { topic_id, .. }
            | Change::MessageDeleted { topic_id, .. }
            | Change::TopicLocked { topic_id, .. }
            | Change::TopicDeleted { topic_id, .. } => Some(topic_id),
            Change::ForumChanged { .. } | Change::ForumDeleted { .. } => None,
        }
    }
    pub(super) fn message(&self) -> Option<i64> {
        match *self {
            Change::TopicCreated { message_id, .. }
            | Change::MessageCreated { message_id, .. }
            | Change::MessageEdited { message_id, .. }
            | Change::MessageDeleted { message_id, .. } => Some(message_id),
            _ => None,
        }
    }
    /// Whether the home page's counts or names move.
    pub(super) fn touches_home(&self) -> bool {
        !matches!(
            self,
            Change::MessageEdited { .. } | Change::TopicLocked { .. }
        )
    }
    /// Whether anything on the forum's page moves (its list, or its name).
    pub(super) fn touches_forum_page(&self) -> bool {
        !matches!(self, Change::MessageEdited { .. })
    }
    /// Whether a forum's topic list moves.
    pub(super) fn touches_forum_list(&self) -> bool {
        !matches!(
            self,
            Change::MessageEdited { .. } | Change::ForumChanged { .. }
        )
    }
}
