-- causerie schema, version 8. Applied once, to an empty database, on first start;
-- PRAGMA user_version records the version so later steps can migrate from it.
-- Times are Unix seconds (UTC). Ids grow with time, so "latest" is "highest id".

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT    NOT NULL,
    is_admin      INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    created_at    INTEGER NOT NULL
);

CREATE TABLE forums (
    id              INTEGER PRIMARY KEY,
    name            TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    description     TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    -- Kept by the triggers below, so the home page never counts rows.
    topic_count     INTEGER NOT NULL DEFAULT 0,
    message_count   INTEGER NOT NULL DEFAULT 0,
    last_message_id INTEGER
);

CREATE TABLE topics (
    id              INTEGER PRIMARY KEY,
    forum_id        INTEGER NOT NULL REFERENCES forums(id) ON DELETE CASCADE,
    author_id       INTEGER NOT NULL REFERENCES users(id),
    title           TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    locked          INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0, 1)),
    -- Kept by the triggers below.
    message_count   INTEGER NOT NULL DEFAULT 0,
    last_message_id INTEGER
);
-- The forum page: a forum's topics, most recent last message first.
CREATE INDEX topics_by_activity ON topics (forum_id, last_message_id DESC);

CREATE TABLE messages (
    id         INTEGER PRIMARY KEY,
    topic_id   INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    author_id  INTEGER NOT NULL REFERENCES users(id),
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    edited_at  INTEGER
);
-- The topic page: a topic's messages in order, and a message's position in it.
CREATE INDEX messages_by_topic ON messages (topic_id, id);

CREATE TRIGGER topic_added AFTER INSERT ON topics BEGIN
    UPDATE forums SET topic_count = topic_count + 1 WHERE id = NEW.forum_id;
END;

CREATE TRIGGER topic_removed AFTER DELETE ON topics BEGIN
    UPDATE forums
       SET topic_count = topic_count - 1,
           message_count = message_count - OLD.message_count,
           last_message_id = (SELECT max(last_message_id) FROM topics WHERE forum_id = OLD.forum_id)
     WHERE id = OLD.forum_id;
END;

CREATE TRIGGER message_added AFTER INSERT ON messages BEGIN
    UPDATE topics SET message_count = message_count + 1, last_message_id = NEW.id
     WHERE id = NEW.topic_id;
    UPDATE forums SET message_count = message_count + 1, last_message_id = NEW.id
     WHERE id = (SELECT forum_id FROM topics WHERE id = NEW.topic_id);
END;

-- A message deleted on its own (a topic's messages go with the topic, which the
-- application deletes by deleting the messages first, then the topic).
CREATE TRIGGER message_removed AFTER DELETE ON messages BEGIN
    UPDATE topics
       SET message_count = message_count - 1,
           last_message_id = (SELECT max(id) FROM messages WHERE topic_id = OLD.topic_id)
     WHERE id = OLD.topic_id;
    UPDATE forums
       SET message_count = message_count - 1,
           last_message_id = (SELECT max(last_message_id) FROM topics WHERE forum_id = forums.id)
     WHERE id = (SELECT forum_id FROM topics WHERE id = OLD.topic_id);
END;

-- ---- Accounts' standing and the registration mode (issue 8: sessions, registration).
-- An account's sessions are valid while they carry its current session_epoch:
-- a password change, "log out everywhere" and disabling add one.
-- status: 'active', 'pending' (awaits an admin's approval) or 'disabled'.
ALTER TABLE users ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN status TEXT NOT NULL DEFAULT 'active'
    CHECK (status IN ('active', 'pending', 'disabled'));
CREATE INDEX users_pending ON users (status) WHERE status = 'pending';

-- Settings admins choose, one row each: 'registration' = 'open' | 'closed' | 'approval'.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Sessions (tower-sessions records, MessagePack), written through the
-- application's writer; before version 2 the session store created it itself.
CREATE TABLE IF NOT EXISTS tower_sessions (
    id          TEXT    PRIMARY KEY NOT NULL,
    data        BLOB    NOT NULL,
    expiry_date INTEGER NOT NULL
);

-- Depth (issue 9): a page is an index range of its rows, never a walk over
-- the rows before it, so page 10,000 costs what page 1 does.
--
-- A message's place in its topic: 1, 2, 3, ... with no gap. The insert sets
-- it (the topic's message_count + 1, in the inserting transaction); deleting
-- one message renumbers the later ones of its topic in the same transaction
-- (rare, admin-only, O(messages after it)), so a page is `position BETWEEN a
-- AND b` and `/messages/{id}` divides its position.
ALTER TABLE messages ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
CREATE INDEX messages_by_position ON messages (topic_id, position);

-- The forum page orders topics by last message, and replies reorder them: per
-- forum, how many topics have their last message in each bucket of 1,024
-- message ids. Page N starts in the bucket where the running count from the
-- nearer end passes its offset, then skips at most 1,023 entries of
-- topics_by_activity. Kept by the triggers below; a reply inside the bucket
-- its topic is already in (the usual case) writes nothing here.
CREATE TABLE topic_buckets (
    forum_id INTEGER NOT NULL,
    bucket   INTEGER NOT NULL,
    topics   INTEGER NOT NULL,
    PRIMARY KEY (forum_id, bucket)
) WITHOUT ROWID;

CREATE TRIGGER topic_bucket_added AFTER INSERT ON topics
  WHEN NEW.last_message_id IS NOT NULL BEGIN
    INSERT INTO topic_buckets (forum_id, bucket, topics)
    VALUES (NEW.forum_id, NEW.last_message_id >> 10, 1)
    ON CONFLICT (forum_id, bucket) DO UPDATE SET topics = topics + 1;
END;

CREATE TRIGGER topic_bucket_moved AFTER UPDATE OF forum_id, last_message_id ON topics
  WHEN OLD.forum_id IS NOT NEW.forum_id
    OR (OLD.last_message_id >> 10) IS NOT (NEW.last_message_id >> 10) BEGIN
    UPDATE topic_buckets SET topics = topics - 1
     WHERE forum_id = OLD.forum_id AND bucket = OLD.last_message_id >> 10;
    DELETE FROM topic_buckets
     WHERE forum_id = OLD.forum_id AND bucket = OLD.last_message_id >> 10 AND topics = 0;
    INSERT INTO topic_buckets (forum_id, bucket, topics)
    SELECT NEW.forum_id, NEW.last_message_id >> 10, 1 WHERE NEW.last_message_id IS NOT NULL
    ON CONFLICT (forum_id, bucket) DO UPDATE SET topics = topics + 1;
END;

CREATE TRIGGER topic_bucket_removed AFTER DELETE ON topics
  WHEN OLD.last_message_id IS NOT NULL BEGIN
    UPDATE topic_buckets SET topics = topics - 1
     WHERE forum_id = OLD.forum_id AND bucket = OLD.last_message_id >> 10;
    DELETE FROM topic_buckets
     WHERE forum_id = OLD.forum_id AND bucket = OLD.last_message_id >> 10 AND topics = 0;
END;

-- Where each account logged in from, and when (the login throttle's known
-- pairs): kept across restarts, so that guesses spread over many addresses
-- right after one cannot lock the owner out of their usual address.
CREATE TABLE login_known (
    username TEXT    NOT NULL,
    addr     TEXT    NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (username, addr)
) WITHOUT ROWID;

-- ---- Avatars and profiles (issue 10).
-- Pictures members uploaded, re-encoded as PNG at two sizes, keyed by a hash
-- of the large one: the database file holds them (one backup, shared by
-- every instance), and the same picture uploaded twice is stored once.
CREATE TABLE avatars (
    hash       TEXT    PRIMARY KEY NOT NULL,
    large      BLOB    NOT NULL,
    small      BLOB    NOT NULL,
    created_at INTEGER NOT NULL
);
-- A member's picture (NULL: the default drawn from their name), when they
-- were last seen (moved at most once an hour, with their session's expiry),
-- and how many messages they wrote (kept by the triggers below).
ALTER TABLE users ADD COLUMN avatar TEXT REFERENCES avatars(hash);
ALTER TABLE users ADD COLUMN last_seen_at INTEGER;
ALTER TABLE users ADD COLUMN message_count INTEGER NOT NULL DEFAULT 0;
-- Who uses a picture: one no one uses any more is deleted.
CREATE INDEX users_by_avatar ON users (avatar);
-- A member's messages, newest first, on their profile: an index range,
-- and a page's start found in the index alone.
CREATE INDEX messages_by_author ON messages (author_id, id);

CREATE TRIGGER user_message_added AFTER INSERT ON messages BEGIN
    UPDATE users SET message_count = message_count + 1 WHERE id = NEW.author_id;
END;

CREATE TRIGGER user_message_removed AFTER DELETE ON messages BEGIN
    UPDATE users SET message_count = message_count - 1 WHERE id = OLD.author_id;
END;

-- ---- Markdown bodies (issue 10): a message's HTML beside its source (`body`,
-- which edit shows), rendered once when it is written (CommonMark, then
-- sanitised) and printed as it is by every page and live fragment. Messages
-- older than version 4 hold their plain text as it showed then.
ALTER TABLE messages ADD COLUMN body_html TEXT NOT NULL DEFAULT '';

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

-- ---- Search (issue 11): SQLite's full-text index (FTS5) over the words
-- readers see. Each message is one row of the index: its text, its topic's
-- title when it opens the topic (position 1, which is deleted only with its
-- topic), and two filter words in a column of their own, `f{forum id}
-- u{author id}`, so a search in one forum or by one member is an
-- intersection inside the index, not a walk over the other matches. The
-- tokenizer folds case and accents ("ecole" finds "école").
-- `prefix = '3'` keeps, beside each word, its first three letters' list:
-- `the*` or `les*` (a language's most frequent words start so) is one
-- list to read rather than the merge of every word it starts; longer
-- prefixes cover few words and are merged when asked (bench/search.sh).
-- The index holds no copy of the text (external content): snippets read it
-- through the view. A message's text is its Markdown without the markup
-- (`markdown::Body`), kept in `body_text` only when its words differ from
-- the source's (a link's address, `**`, `&amp;`): NULL, the usual case, is
-- "the same words as `body`", so most messages store no second copy.
ALTER TABLE messages ADD COLUMN body_text TEXT;

CREATE VIEW search_source AS
SELECT m.id,
       CASE WHEN m.position = 1 THEN t.title END AS title,
       coalesce(m.body_text, m.body) AS body,
       'f' || t.forum_id || ' u' || m.author_id AS scope
  FROM messages m JOIN topics t ON t.id = m.topic_id;

CREATE VIRTUAL TABLE search USING fts5(
    title, body, scope,
    content = 'search_source', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '3'
);

-- The index stays exact: a row goes in from the view once written, and
-- comes out, with the very values it went in with (read from the view
-- before the change), before it changes what the index holds of it or goes.
CREATE TRIGGER message_indexed AFTER INSERT ON messages BEGIN
    INSERT INTO search (rowid, title, body, scope)
    SELECT id, title, body, scope FROM search_source WHERE id = NEW.id;
END;

CREATE TRIGGER message_unindexed BEFORE DELETE ON messages BEGIN
    INSERT INTO search (search, rowid, title, body, scope)
    SELECT 'delete', id, title, body, scope FROM search_source WHERE id = OLD.id;
END;

-- An edit; or, never done today, a message becoming or ceasing to be its
-- topic's first, or moving.
CREATE TRIGGER message_reindexing
  BEFORE UPDATE OF body, body_text, position, author_id, topic_id ON messages
  WHEN coalesce(OLD.body_text, OLD.body) IS NOT coalesce(NEW.body_text, NEW.body)
    OR (OLD.position = 1) IS NOT (NEW.position = 1)
    OR OLD.author_id IS NOT NEW.author_id OR OLD.topic_id IS NOT NEW.topic_id BEGIN
    INSERT INTO search (search, rowid, title, body, scope)
    SELECT 'delete', id, title, body, scope FROM search_source WHERE id = OLD.id;
END;

CREATE TRIGGER message_reindexed
  AFTER UPDATE OF body, body_text, position, author_id, topic_id ON messages
  WHEN coalesce(OLD.body_text, OLD.body) IS NOT coalesce(NEW.body_text, NEW.body)
    OR (OLD.position = 1) IS NOT (NEW.position = 1)
    OR OLD.author_id IS NOT NEW.author_id OR OLD.topic_id IS NOT NEW.topic_id BEGIN
    INSERT INTO search (rowid, title, body, scope)
    SELECT id, title, body, scope FROM search_source WHERE id = NEW.id;
END;

-- A topic renamed or moved (neither is done today): its messages again.
CREATE TRIGGER topic_reindexing BEFORE UPDATE OF title, forum_id ON topics
  WHEN OLD.title IS NOT NEW.title OR OLD.forum_id IS NOT NEW.forum_id BEGIN
    INSERT INTO search (search, rowid, title, body, scope)
    SELECT 'delete', s.id, s.title, s.body, s.scope
      FROM messages m JOIN search_source s ON s.id = m.id
     WHERE m.topic_id = OLD.id AND (OLD.forum_id IS NOT NEW.forum_id OR m.position = 1);
END;

CREATE TRIGGER topic_reindexed AFTER UPDATE OF title, forum_id ON topics
  WHEN OLD.title IS NOT NEW.title OR OLD.forum_id IS NOT NEW.forum_id BEGIN
    INSERT INTO search (rowid, title, body, scope)
    SELECT s.id, s.title, s.body, s.scope
      FROM messages m JOIN search_source s ON s.id = m.id
     WHERE m.topic_id = NEW.id AND (OLD.forum_id IS NOT NEW.forum_id OR m.position = 1);
END;

-- A topic goes after its messages, as the application deletes it: through
-- the cascade its messages would go after it, when the view can no longer
-- give the title and forum they were indexed with.
CREATE TRIGGER topic_removed_after_its_messages BEFORE DELETE ON topics
  WHEN EXISTS (SELECT 1 FROM messages WHERE topic_id = OLD.id) BEGIN
    SELECT RAISE(ABORT, 'a topic''s messages are deleted before the topic');
END;

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

-- ---- A member's language (step 9): 'en' or 'fr', NULL when they have not
-- chosen (their pages then follow the cookie or the browser's Accept-Language).
ALTER TABLE users ADD COLUMN lang TEXT CHECK (lang IN ('en', 'fr'));
