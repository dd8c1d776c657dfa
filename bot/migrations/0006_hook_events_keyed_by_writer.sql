-- Duplicates are now told apart by the event writer, not by a UNIQUE index.
--
-- UNIQUE (hook_id, idempotency_key) put each new key at a random leaf of its index when keys are
-- random, as Glide's look to be: every commit rewrote about one 4 KiB page per event, and the WAL
-- checkpoints that copied those pages back stalled the commits behind them. The writer instead
-- keeps the keys of the last day in memory (`bot/webhooks/accepted_keys.py`), read back from this
-- table on start, and inserts only new ones; nothing else inserts events. What remains is an
-- index by hook, for the hook's own queries and for deleting its events, which grows at the end
-- of each hook's part.
--
-- SQLite cannot drop a table constraint, so the table is rebuilt with the same rows and ids.
CREATE TABLE hook_events_rebuilt (
    id               INTEGER PRIMARY KEY,
    hook_id          TEXT NOT NULL REFERENCES hooks (id) ON DELETE CASCADE,
    idempotency_key  TEXT NOT NULL,
    received_at      REAL NOT NULL,
    body             TEXT NOT NULL CHECK (json_valid(body)),
    state            TEXT NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  REAL NOT NULL,
    message_id       INTEGER,
    failure_reason   TEXT,
    glif_outcome     TEXT CHECK (glif_outcome IS NULL OR json_valid(glif_outcome))
) STRICT;

INSERT INTO hook_events_rebuilt
SELECT id, hook_id, idempotency_key, received_at, body, state, attempts, next_attempt_at,
       message_id, failure_reason, glif_outcome
FROM hook_events;

DROP TABLE hook_events;
ALTER TABLE hook_events_rebuilt RENAME TO hook_events;

CREATE INDEX hook_events_by_hook ON hook_events (hook_id, id);
CREATE INDEX hook_events_pending ON hook_events (hook_id, id) WHERE state = 'pending';
CREATE INDEX hook_events_settled ON hook_events (received_at) WHERE state <> 'pending';

-- The counters' triggers, as in 0003; created after the copy so that it counts nothing twice.
CREATE TRIGGER hook_events_count_received AFTER INSERT ON hook_events
BEGIN
    UPDATE hooks SET received_count = received_count + 1 WHERE id = NEW.hook_id;
END;

CREATE TRIGGER hook_events_count_settled AFTER UPDATE OF state ON hook_events
WHEN OLD.state = 'pending' AND NEW.state <> 'pending'
BEGIN
    UPDATE hooks
    SET delivered_count = delivered_count + (NEW.state = 'delivered'),
        failed_count = failed_count + (NEW.state = 'failed')
    WHERE id = NEW.hook_id;
END;
