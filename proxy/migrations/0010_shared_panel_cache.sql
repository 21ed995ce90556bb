-- The panel cache replicas share (see src/cache.rs): used only on Postgres, where several
-- replicas may serve one deployment; SQLite's single process keeps its panels in memory alone.
-- An org's cache generation: bumped by every write through any replica. A cached panel is
-- fresh only while it carries its org's current generation.
CREATE TABLE cache_generations (
    org_id TEXT PRIMARY KEY,
    generation BIGINT NOT NULL
);
-- A panel as read from Salesforce, per org, user and handle key (users see different records):
-- its JSON sealed with the proxy's encryption key (it holds the org's records), the org's
-- generation when the read began, and when it was read (ms since the epoch).
CREATE TABLE panel_cache (
    org_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    handle TEXT NOT NULL,
    panel TEXT NOT NULL,
    generation BIGINT NOT NULL,
    read_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id, handle)
);
