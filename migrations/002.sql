-- causerie schema, version 1 -> 2. Applied once, in one transaction, to a
-- database of version 1; schema.sql already holds all of it for a new one.

-- ---- Accounts' standing and the registration mode (issue 8: sessions, registration).
ALTER TABLE users ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN status TEXT NOT NULL DEFAULT 'active'
    CHECK (status IN ('active', 'pending', 'disabled'));
CREATE INDEX users_pending ON users (status) WHERE status = 'pending';

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Sessions: the store is the application's own now (it used to create this
-- table itself, so it usually exists).
CREATE TABLE IF NOT EXISTS tower_sessions (
    id          TEXT    PRIMARY KEY NOT NULL,
    data        BLOB    NOT NULL,
    expiry_date INTEGER NOT NULL
);

-- Depth (issue 9): message positions and topic buckets, as in schema.sql;
-- existing rows are numbered and counted here, in two set-wise statements.
ALTER TABLE messages ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
UPDATE messages SET position = numbered.position
  FROM (SELECT id, row_number() OVER (PARTITION BY topic_id ORDER BY id) AS position
          FROM messages) AS numbered
 WHERE numbered.id = messages.id;
CREATE INDEX messages_by_position ON messages (topic_id, position);

CREATE TABLE topic_buckets (
    forum_id INTEGER NOT NULL,
    bucket   INTEGER NOT NULL,
    topics   INTEGER NOT NULL,
    PRIMARY KEY (forum_id, bucket)
) WITHOUT ROWID;
INSERT INTO topic_buckets (forum_id, bucket, topics)
SELECT forum_id, last_message_id >> 10, count(*) FROM topics
 WHERE last_message_id IS NOT NULL
 GROUP BY forum_id, last_message_id >> 10;

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

-- The login throttle's known pairs (issue 8, hostile review), as in schema.sql.
CREATE TABLE login_known (
    username TEXT    NOT NULL,
    addr     TEXT    NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (username, addr)
) WITHOUT ROWID;
