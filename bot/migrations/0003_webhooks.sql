-- Webhooks that Glide (or anything speaking its format) calls, each bound to a Discord channel.
-- Only the SHA-256 of a hook's secret is kept. The counters are cumulative and kept by triggers,
-- so `/glifadmin webhook list` stays right after old events are pruned.
CREATE TABLE hooks (
    id               TEXT PRIMARY KEY,
    guild_id         INTEGER NOT NULL,
    channel_id       INTEGER NOT NULL,
    name             TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    glif_id          TEXT,
    secret_sha256    BLOB NOT NULL CHECK (length(secret_sha256) = 32),
    created_by       INTEGER NOT NULL,
    created_at       TEXT NOT NULL,
    received_count   INTEGER NOT NULL DEFAULT 0,
    delivered_count  INTEGER NOT NULL DEFAULT 0,
    failed_count     INTEGER NOT NULL DEFAULT 0,
    UNIQUE (guild_id, name)
) STRICT;

-- One row per accepted app-action. UNIQUE(hook_id, idempotency_key) is what turns Glide's retries
-- and concurrent copies into one announcement; a row outlives its delivery by at least 24 hours
-- for that reason. Times are unix seconds. Deleting a hook deletes its events.
CREATE TABLE hook_events (
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
    UNIQUE (hook_id, idempotency_key)
) STRICT;

-- The delivery worker reads the oldest pending event of each hook.
CREATE INDEX hook_events_pending ON hook_events (hook_id, id) WHERE state = 'pending';
-- Pruning looks for settled events by age.
CREATE INDEX hook_events_settled ON hook_events (received_at) WHERE state <> 'pending';

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
