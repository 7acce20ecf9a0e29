-- causerie schema, version 4 -> 5. Applied once, in one transaction, to a
-- database of version 4; schema.sql already holds all of it for a new one.

-- ---- Read and unread (issue 10). One row per member and topic they opened:
-- the last message id they have read in it (ids grow along a topic, so every
-- message up to it is read). "Mark all read" moves a member's point for one
-- forum (forum_reads) or for the whole site (users.read_before): every
-- message up to that id counts as read. A topic never opened is all unread.
CREATE TABLE topic_reads (
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    topic_id   INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    message_id INTEGER NOT NULL,
    PRIMARY KEY (user_id, topic_id)
) WITHOUT ROWID;
-- A topic's deletion finds its rows.
CREATE INDEX topic_reads_by_topic ON topic_reads (topic_id);

CREATE TABLE forum_reads (
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    forum_id   INTEGER NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    message_id INTEGER NOT NULL,
    PRIMARY KEY (user_id, forum_id)
) WITHOUT ROWID;
CREATE INDEX forum_reads_by_forum ON forum_reads (forum_id);

ALTER TABLE users ADD COLUMN read_before INTEGER NOT NULL DEFAULT 0;
