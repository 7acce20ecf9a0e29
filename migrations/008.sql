-- causerie schema, version 7 -> 8. Applied once, in one transaction, to a
-- database of version 7; schema.sql already holds all of it for a new one.

-- ---- Reports (issue 11): a member tells the admins a message breaks the
-- rules. One row per message and reporter (reporting again replaces the
-- reason); a report lasts until an admin handles its message: dismissed
-- (the rows go), the message deleted (they go with it), or its author
-- disabled (the rows go).
CREATE TABLE reports (
    message_id  INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    reporter_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    reason      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (message_id, reporter_id)
) WITHOUT ROWID;
-- How many reports a member has waiting (their bound).
CREATE INDEX reports_by_reporter ON reports (reporter_id);

-- ---- A forum's feed (issue 11): its newest topics, newest first, one range.
CREATE INDEX topics_by_forum ON topics (forum_id, id);
