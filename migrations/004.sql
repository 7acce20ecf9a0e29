-- causerie schema, version 3 -> 4. Applied once, in one transaction, to a
-- database of version 3; schema.sql already holds all of it for a new one.

-- ---- Markdown bodies (issue 10): each message's HTML, rendered once when it
-- is written (Markdown, sanitised) and printed as it is by every page.
-- The messages already there are rendered by the Rust step that follows this
-- file in the same transaction (src/db/migrations.rs): as the plain text
-- they were written as, so they show exactly as before.
ALTER TABLE messages ADD COLUMN body_html TEXT NOT NULL DEFAULT '';
