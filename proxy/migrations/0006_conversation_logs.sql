-- Conversations logged to Salesforce from the panel, one Task each (see src/conversation.rs):
-- the panel asks here whether the open conversation is logged, with no Salesforce request.
CREATE TABLE conversation_logs (
    org_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    messages BIGINT NOT NULL,
    logged_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, conversation_id)
);
