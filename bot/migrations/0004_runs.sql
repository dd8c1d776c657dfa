-- Glif runs made through the bot. The row id is what a result's persistent buttons (Re-run,
-- Delete) carry, so it must never be reused: AUTOINCREMENT keeps ids of forgotten runs retired.
CREATE TABLE runs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    glif_id          TEXT NOT NULL,
    glif_name        TEXT NOT NULL,
    inputs           TEXT NOT NULL CHECK (json_valid(inputs) AND json_type(inputs) = 'object'),
    discord_user_id  INTEGER NOT NULL,
    guild_id         INTEGER,
    channel_id       INTEGER,
    visibility       TEXT NOT NULL CHECK (visibility IN ('PUBLIC', 'PRIVATE')),
    state            TEXT NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
    -- The essentials of Glif's answer: {"type": outputFull.type, "value": output}.
    output           TEXT CHECK (output IS NULL OR json_valid(output)),
    error            TEXT,
    -- Credits as Glif's decimal string, so no float rounding creeps in.
    price            TEXT,
    duration_ms      INTEGER CHECK (duration_ms IS NULL OR duration_ms >= 0),
    message_id       INTEGER,
    created_at       TEXT NOT NULL,
    started_at       TEXT,
    finished_at      TEXT
) STRICT;

-- /glif history: one member's runs, newest first.
CREATE INDEX runs_by_member ON runs (discord_user_id, id DESC);
