// The panel against an org reached as a real one is: the proxy is given only the login URL of a
// sandbox org served over HTTPS with its own certificate (`pane-sandbox --tls-self-signed
// --split-hosts`), trusted through SSL_CERT_FILE, and answering as a My Domain org does: login
// and the identity URL on https://127.0.0.1:<port>, instance_url (REST, SOAP, record pages) on
// https://localhost:<port>, where the org refuses API calls on the login host and logs them.
// Chromium is not the subject here: it skips certificate checks (the login popup).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARTIFACTS, launchBrowser, linkInPanel, startProxy, startSandbox, waitFor } from './support.mjs';

let dir;
let ca;
let org;
let proxy;
let browser;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pane-e2e-tls-'));
  const cert = join(dir, 'sandbox-org.pem');
  org = await startSandbox(['--tls-self-signed', cert, '--split-hosts']);
  ca = readFileSync(cert);
  proxy = await startProxy(
    ['--salesforce-login-url', org.login, '--salesforce-client-id', 'pane-sandbox-demo-client', '--salesforce-client-secret', 'pane-sandbox-demo-secret'],
    { SSL_CERT_FILE: cert },
  );
  browser = await launchBrowser(['--ignore-certificate-errors']);
});

after(async () => {
  await browser?.close();
  await proxy?.stop();
  await org?.stop();
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(browser?.errors ?? [], [], 'no page error');
});

/** A JSON request to the org, trusting its certificate (Node's fetch takes no CA). */
function orgJson(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolveAnswer, reject) => {
    const req = request(url, { method, headers, ca }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => resolveAnswer({ status: res.statusCode, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** SOQL at the instance the token answer names, as a script would. */
async function soql(q) {
  const form = new URLSearchParams({ grant_type: 'password', client_id: 'pane-sandbox-demo-client', client_secret: 'pane-sandbox-demo-secret', username: 'ana@pane-support.example', password: 'demo-ana-1' });
  const token = (await orgJson(`${org.login}/services/oauth2/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form.toString() })).body;
  assert.equal(token.instance_url, org.instance);
  const res = await orgJson(`${token.instance_url}/services/data/v59.0/query?q=${encodeURIComponent(q)}`, { headers: { Authorization: `Bearer ${token.access_token}` } });
  return res.body.records;
}

const panel = () => browser.page.frameLocator('[data-testid=plugin-salesforce]');

test('the org answers as a My Domain org, over HTTPS', async () => {
  assert.match(org.login, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(org.instance, org.login.replace('127.0.0.1', 'localhost'));
  const health = await (await fetch(`${proxy.url}api/health`)).json();
  assert.equal(health.backend, 'salesforce');
  assert.equal(health.org_url, `${org.login}/`);
});

test('linked through the login host; records read and a field saved at the instance', { timeout: 60_000 }, async () => {
  const { page, context } = browser;
  await page.goto(`${proxy.url}?refresh_ms=60000`);
  await linkInPanel(page, context);
  assert.equal(await panel().locator('[data-testid=person-card] [data-testid=card-title]').textContent(), 'Rose Gonzalez');
  assert.equal(await panel().locator('[data-testid=account-card] [data-testid=card-title]').textContent(), 'Edge Communications');

  const row = panel().locator('[data-testid=person-card] [data-testid=field-Title]');
  await row.locator('[data-testid=field-value]').hover();
  await row.locator('[data-testid=pencil]').click();
  await row.locator('[data-testid=input-Title]').fill('Head of TLS');
  await row.locator('[data-testid=input-Title]').press('Enter');
  await waitFor('saved in the org', async () => (await soql("SELECT Title FROM Contact WHERE Email = 'rose@edge.com'"))[0].Title, (t) => t === 'Head of TLS');
  await browser.page.screenshot({ path: join(ARTIFACTS, 'panel-https-split.png') });

  // A record opens at the instance, where the org's pages are.
  const id = await panel().locator('[data-testid=person-card]').getAttribute('data-id');
  const [tab] = await Promise.all([context.waitForEvent('page'), panel().locator('[data-testid=person-card] [data-testid=card-title]').click()]);
  await tab.waitForLoadState();
  assert.equal(tab.url(), `${org.instance}/lightning/r/Contact/${id}/view`);
  await tab.close();
});

test('the org refused nothing the proxy sent; the proxy trusted it through SSL_CERT_FILE', async () => {
  const refusals = await orgJson(`${org.instance}/__sandbox/refusals`);
  assert.deepEqual(refusals.body.refusals, [], 'no API call reached the login host');
  const logs = proxy.logs.join('\n');
  assert.ok(logs.includes('SSL_CERT_FILE='), 'the trust store is logged');
  assert.ok(!logs.includes('not trusted'), logs);
});
