-- Notes made from the panel, one per (org, user, key) the panel sends (see src/store/note_creates.rs):
-- claimed here before the Salesforce write, so a retry to any proxy, or after a crash, answers
-- the note made rather than making it again.
CREATE TABLE note_creates (
    org_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    note_key TEXT NOT NULL,
    note_id TEXT NOT NULL DEFAULT '',
    claimed_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id, note_key)
);
CREATE INDEX note_creates_claimed_at ON note_creates (claimed_at);
CREATE INDEX note_creates_note ON note_creates (org_id, note_id);
