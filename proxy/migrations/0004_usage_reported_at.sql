-- When Salesforce last reported the org's usage (ms), so a proxy at its last reserve can ask
-- again now and then instead of trusting an old figure forever.
ALTER TABLE api_usage ADD COLUMN reported_at BIGINT NOT NULL DEFAULT 0;
