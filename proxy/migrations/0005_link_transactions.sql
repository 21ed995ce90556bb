-- A Salesforce link in progress, bound to the panel that started it and the browser that
-- began it (see src/store/link_tx.rs). Replaces oauth_states and pending_sessions: a finished
-- link's session is handed only to whoever holds both the panel's redeem secret and the
-- one-time code the callback gave the browser; nothing is handed out by polling.
DROP TABLE IF EXISTS oauth_states;
DROP TABLE IF EXISTS pending_sessions;
CREATE TABLE link_txs (
    tx TEXT PRIMARY KEY,
    oauth_state TEXT NOT NULL UNIQUE,
    verifier TEXT NOT NULL,
    panel_origin TEXT NOT NULL,
    purpose TEXT NOT NULL,
    org_id TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    redeem_hash TEXT NOT NULL,
    binding_hash TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    code_hash TEXT NOT NULL DEFAULT '',
    session_sealed TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
