-- causerie schema, version 2 -> 3. Applied once, in one transaction, to a
-- database of version 2; schema.sql already holds all of it for a new one.

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
UPDATE users SET message_count = (SELECT count(*) FROM messages WHERE author_id = users.id);
-- A member's messages, newest first, on their profile: an index range,
-- and a page's start found in the index alone.
CREATE INDEX messages_by_author ON messages (author_id, id);

CREATE TRIGGER user_message_added AFTER INSERT ON messages BEGIN
    UPDATE users SET message_count = message_count + 1 WHERE id = NEW.author_id;
END;

CREATE TRIGGER user_message_removed AFTER DELETE ON messages BEGIN
    UPDATE users SET message_count = message_count - 1 WHERE id = OLD.author_id;
END;
