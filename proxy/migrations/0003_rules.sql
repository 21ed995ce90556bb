-- Rule work: one row per (event, action), accepted durably before the webhook is answered.
-- state: queued | running | retry | done | dead. A running job's lease expires at
-- locked_until (ms), so a job whose worker died is taken again.
CREATE TABLE rule_jobs (
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
    UNIQUE (event_id, action)
);
CREATE INDEX rule_jobs_ready ON rule_jobs (state, next_at);
CREATE INDEX rule_jobs_message ON rule_jobs (message_id);
