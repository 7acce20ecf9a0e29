-- causerie schema, step 9 (French and English, issue 11 item 6). Applied
-- once, in one transaction; schema.sql already holds it for a new database.

-- ---- A member's language: 'en' or 'fr', NULL when they have not chosen
-- (their pages then follow the cookie or the browser's Accept-Language).
ALTER TABLE users ADD COLUMN lang TEXT CHECK (lang IN ('en', 'fr'));
