-- causerie schema, version 5 -> 6. Applied once, in one transaction, to a
-- database of version 5; schema.sql already holds all of it for a new one.
-- The step's Rust part (`db::migrations::index_old_messages`) then indexes
-- the existing messages (FTS5's rebuild), and stores the text of those
-- whose words differ from their source, in batches, which re-indexes them.

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
