-- The org's currency (ISO 4217, `Organization.DefaultCurrencyIsoCode`) as read when the user
-- linked; '' when Salesforce did not say (links made before this column, or a failed read).
ALTER TABLE links ADD COLUMN currency TEXT NOT NULL DEFAULT '';
