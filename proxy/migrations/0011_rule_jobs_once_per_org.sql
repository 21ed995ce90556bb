-- A rule event is queued once per org, event and action: two orgs' webhooks never collide on
-- an event id (each org's events are its own; before, an event id another org had used would
-- have been answered as a redelivery and its work dropped). The table is rebuilt because
-- SQLite cannot change a table's UNIQUE constraint in place.
CREATE TABLE rule_jobs_by_org (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL,
    action TEXT NOT NULL,
    message_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    outcome TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    record_object TEXT NOT NULL DEFAULT '',
    record_id TEXT NOT NULL DEFAULT '',
    attempts BIGINT NOT NULL DEFAULT 0,
    requests BIGINT NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    lease TEXT NOT NULL DEFAULT '',
    locked_until BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    org_id TEXT NOT NULL DEFAULT '',
    UNIQUE (org_id, event_id, action)
);
INSERT INTO rule_jobs_by_org (id, event_id, action, message_id, payload, state, outcome, detail,
    record_object, record_id, attempts, requests, next_at, lease, locked_until, created_at,
    updated_at, org_id)
SELECT id, event_id, action, message_id, payload, state, outcome, detail, record_object,
    record_id, attempts, requests, next_at, lease, locked_until, created_at, updated_at, org_id
FROM rule_jobs;
DROP TABLE rule_jobs;
ALTER TABLE rule_jobs_by_org RENAME TO rule_jobs;
CREATE INDEX rule_jobs_ready ON rule_jobs (state, next_at);
CREATE INDEX rule_jobs_message ON rule_jobs (message_id);
CREATE INDEX rule_jobs_org ON rule_jobs (org_id, created_at);
