// With Front's auth_secret configured, the panel opens only for a host that passes it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, startProxy, waitFor } from './support.mjs';

let proxy;
let browser;

before(async () => {
  proxy = await startProxy(['--host-secret', 'e2e-host-secret']);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await proxy?.stop();
  assert.ok(!proxy.logs.join('\n').includes('e2e-host-secret'), 'the secret never reaches the logs');
});

const panelText = () => browser.page.frameLocator('[data-testid=plugin-salesforce]').locator('body').textContent();

test('the panel opens when the host passes its auth_secret', async () => {
  await browser.page.goto(`${proxy.url}?auth_secret=e2e-host-secret&refresh_ms=60000`);
  await waitFor('the panel', panelText, (t) => t.includes('rose@edge.com'));
});

test('and refuses to open without it', async () => {
  await browser.page.goto(`${proxy.url}?refresh_ms=60000`);
  await waitFor('the refusal', panelText, (t) => t.includes('Open Salesforce Pane from your inbox app.'));
});
