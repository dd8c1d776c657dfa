-- What the bot last told Discord its commands are, per scope ("global" or "guild:<id>"),
-- so that a restart with an unchanged tree does not sync again.
CREATE TABLE command_sync (
    scope      TEXT PRIMARY KEY,
    tree_hash  TEXT NOT NULL,
    synced_at  TEXT NOT NULL
) STRICT;
