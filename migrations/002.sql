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
