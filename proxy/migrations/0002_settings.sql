-- Admins, the org's integration user, settings, layouts, pins and API usage.

-- Whether the linked user holds "Modify All Data" (read at link time).
ALTER TABLE links ADD COLUMN is_admin BIGINT NOT NULL DEFAULT 0;

-- What a link in progress is for: 'agent' (a panel session) or 'integration' (rules act as it).
ALTER TABLE oauth_states ADD COLUMN purpose TEXT NOT NULL DEFAULT 'agent';
ALTER TABLE oauth_states ADD COLUMN org_id TEXT NOT NULL DEFAULT '';
ALTER TABLE oauth_states ADD COLUMN requested_by TEXT NOT NULL DEFAULT '';

-- Per org: the user rules act as.
CREATE TABLE integrations (
    org_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES links(user_id) ON DELETE CASCADE,
    linked_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Per org: the admin's settings, as JSON.
CREATE TABLE org_settings (
    org_id TEXT PRIMARY KEY,
    settings TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Per agent: the fields they show (the cog), as JSON.
CREATE TABLE layouts (
    user_id TEXT PRIMARY KEY,
    layout TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Per org and sender: the record the team pinned.
CREATE TABLE pins (
    org_id TEXT NOT NULL,
    handle TEXT NOT NULL,
    object TEXT NOT NULL,
    record_id TEXT NOT NULL,
    pinned_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, handle)
);

-- Per org and UTC day: the Salesforce requests this integration made, and the org's
-- usage as Salesforce last reported it.
CREATE TABLE api_usage (
    org_id TEXT NOT NULL,
    day TEXT NOT NULL,
    requests BIGINT NOT NULL,
    org_used BIGINT NOT NULL,
    org_max BIGINT NOT NULL,
    PRIMARY KEY (org_id, day)
);

-- A panel waiting for its session: the host opened the login popup, so the callback cannot
-- post to the panel; the panel picks its session up once with the poll token it was given.
ALTER TABLE oauth_states ADD COLUMN poll_hash TEXT NOT NULL DEFAULT '';
CREATE TABLE pending_sessions (
    poll_hash TEXT PRIMARY KEY,
    session_sealed TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
