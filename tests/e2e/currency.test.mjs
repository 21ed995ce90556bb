// Amounts in the org's currency: in a single-currency org whose currency is the euro
// (`Organization.DefaultCurrencyIsoCode`, read by the proxy when the agent links), an
// Opportunity's Amount (no `CurrencyIsoCode` of its own) shows in euros, in the browser's
// `Intl` formatting.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPane, stopPane, sandboxControl, linkInPanel } from './support.mjs';

let pane;

before(async () => {
  process.env.LANG = 'en_US.UTF-8';
  pane = await startPane();
});

after(async () => {
  await stopPane(pane);
});

test('in a euro org an Amount shows in euros', async () => {
  const { page, context } = pane.browser;
  await sandboxControl(pane.sandbox, 'currency', { iso_code: 'EUR' });
  await page.goto(`${pane.proxy.url}?refresh_ms=60000`);
  await linkInPanel(page, context);
  await page.locator('[data-testid=conversation-item]', { hasText: 'Email from a known address' }).click();
  const panel = page.frameLocator('[data-testid=plugin-salesforce]');
  const row = panel.locator('[data-testid=opportunities] [data-testid=related-row]', { hasText: 'Edge Installation' }).locator('.summary');
  await row.waitFor();
  const text = await row.textContent();
  assert.match(text, /€/, text);
  assert.doesNotMatch(text, /\$/, text);
});
