-- causerie schema, version 6 -> 7. Applied once, in one transaction, to a
-- database of version 6; schema.sql already holds all of it for a new one.

-- ---- Mentions and notifications (issue 11).
-- A member's notifications, newest first (by id), at most a few hundred
-- each (the worker prunes older ones). One per member and message: the
-- strongest reason wins (kind 1 mention, 2 quote, 3 reply; lower is
-- stronger). A message deleted takes its notifications with it.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    kind       INTEGER NOT NULL CHECK (kind IN (0, 1, 2, 3)),
    created_at INTEGER NOT NULL,
    unread     INTEGER NOT NULL DEFAULT 1 CHECK (unread IN (0, 1)),
    UNIQUE (user_id, message_id)
);
-- A member's page of them, and the pruning of their oldest.
CREATE INDEX notifications_by_user ON notifications (user_id, id);
-- A message's deletion finds its notifications.
CREATE INDEX notifications_by_message ON notifications (message_id);

-- What each kind of notification a member wants (bits: 1 mention, 2 quote,
-- 4 reply), and how many they have not read (kept by the triggers below, so
-- the bell never counts rows).
ALTER TABLE users ADD COLUMN notify_kinds INTEGER NOT NULL DEFAULT 7;
ALTER TABLE users ADD COLUMN notifications_unread INTEGER NOT NULL DEFAULT 0;

-- Whose count moved without the worker knowing (a message deleted with its
-- notifications): the worker reads their count again and rings their bell.
CREATE TABLE notify_recount (
    user_id INTEGER PRIMARY KEY
);

CREATE TRIGGER notification_added AFTER INSERT ON notifications WHEN NEW.unread = 1 BEGIN
    UPDATE users SET notifications_unread = notifications_unread + 1 WHERE id = NEW.user_id;
END;

CREATE TRIGGER notification_marked AFTER UPDATE OF unread ON notifications
  WHEN OLD.unread IS NOT NEW.unread BEGIN
    UPDATE users SET notifications_unread = notifications_unread + NEW.unread - OLD.unread
     WHERE id = NEW.user_id;
END;

CREATE TRIGGER notification_removed AFTER DELETE ON notifications WHEN OLD.unread = 1 BEGIN
    UPDATE users SET notifications_unread = notifications_unread - 1 WHERE id = OLD.user_id;
    INSERT OR IGNORE INTO notify_recount (user_id) VALUES (OLD.user_id);
END;

-- Who takes part in a topic: level 1 posted in it, 2 follows it (every
-- reply, without posting), 0 muted it (no reply notifications). Filled as
-- members post, so a reply's recipients are one index range, never a walk
-- over the topic's messages.
CREATE TABLE topic_members (
    topic_id INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    level    INTEGER NOT NULL CHECK (level IN (0, 1, 2)),
    PRIMARY KEY (topic_id, user_id)
) WITHOUT ROWID;
-- A member's deletion finds their rows.
CREATE INDEX topic_members_by_user ON topic_members (user_id);

-- Notifications a new or edited message is to cause, recorded by its own
-- transaction (one small row, whatever the topic's size) and turned into
-- notifications by the worker, which deletes the job in the transaction
-- that writes them; jobs left by a crash are done at the next start.
-- mentions: member ids newly mentioned, comma-separated (at most 20);
-- quotes: message ids the body quotes (at most 20); replies: 1 when the
-- topic's members hear of it; after_user: how far through them the worker is.
CREATE TABLE notify_jobs (
    id         INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL,
    mentions   TEXT    NOT NULL DEFAULT '',
    quotes     TEXT    NOT NULL DEFAULT '',
    replies    INTEGER NOT NULL DEFAULT 0,
    after_user INTEGER NOT NULL DEFAULT 0
);

-- Those who posted before version 7 take part in their topics.
INSERT OR IGNORE INTO topic_members (topic_id, user_id, level)
SELECT DISTINCT topic_id, author_id, 1 FROM messages;
