-- Members' own Glif tokens. Only Fernet ciphertext is stored: the CHECK refuses anything that
-- does not start like a Fernet token (version byte 0x80 and a timestamp below 2^32, base64url),
-- so a code path that forgot to encrypt fails loudly instead of writing a token in clear.
CREATE TABLE member_tokens (
    discord_user_id   INTEGER PRIMARY KEY,
    token_ciphertext  BLOB NOT NULL CHECK (substr(token_ciphertext, 1, 6) = CAST('gAAAAA' AS BLOB)),
    glif_user_id      TEXT NOT NULL,
    glif_username     TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
) STRICT;

-- Runs each member made on the shared token (GLIF_API_TOKEN), per UTC day.
CREATE TABLE shared_token_usage (
    discord_user_id  INTEGER NOT NULL,
    utc_day          TEXT NOT NULL CHECK (utc_day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    runs             INTEGER NOT NULL CHECK (runs >= 0),
    PRIMARY KEY (discord_user_id, utc_day)
) STRICT, WITHOUT ROWID;
