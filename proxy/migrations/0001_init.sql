-- The proxy's state. Portable SQL: the same migrations run on SQLite and Postgres.

-- An OAuth link in progress: the state parameter and its PKCE verifier.
CREATE TABLE oauth_states (
    state TEXT PRIMARY KEY,
    verifier TEXT NOT NULL,
    panel_origin TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- A Salesforce user linked through the proxy, with sealed tokens.
CREATE TABLE links (
    user_id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    username TEXT NOT NULL,
    email TEXT NOT NULL,
    instance_url TEXT NOT NULL,
    refresh_token_sealed TEXT NOT NULL,
    access_token_sealed TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A panel's session: an opaque bearer token, stored as its SHA-256.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES links(user_id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions(user_id);
