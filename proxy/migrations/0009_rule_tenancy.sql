-- Rule work is per org (see src/rules/tenant.rs): each org's webhooks come to its own intake
-- URL (`/api/rules/{intake_key}/{action}`), signed with its own secret, sealed like tokens.
-- After a rotation the previous secret stays valid until previous_until (ms) so senders can
-- switch; '' and 0 when there is none.
CREATE TABLE org_intakes (
    org_id TEXT PRIMARY KEY,
    intake_key TEXT NOT NULL UNIQUE,
    secret_sealed TEXT NOT NULL,
    previous_sealed TEXT NOT NULL DEFAULT '',
    previous_until BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    rotated_at BIGINT NOT NULL
);
-- The org a job is for: its worker acts as that org's integration user only. Every new row
-- names one; rows queued before this column are the org whose integration user they would
-- have run as (the most recently linked); '' when there was none (held, with the reason).
ALTER TABLE rule_jobs ADD COLUMN org_id TEXT NOT NULL DEFAULT '';
UPDATE rule_jobs SET org_id = COALESCE(
    (SELECT org_id FROM integrations ORDER BY updated_at DESC LIMIT 1), '');
CREATE INDEX rule_jobs_org ON rule_jobs (org_id, created_at);
