-- What the glif of a glif-bound hook made of an event: its output, or why it could not run. Kept
-- on the event so that a delivery retried after a Discord failure (or a restart) posts the same
-- result instead of running the glif, and paying for it, again.
ALTER TABLE hook_events
    ADD COLUMN glif_outcome TEXT CHECK (glif_outcome IS NULL OR json_valid(glif_outcome));
