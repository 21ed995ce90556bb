// The agent's session in a real browser, as Front frames the panel: cross-site, in headless
// Chromium as it comes (third-party storage denied: the panel's localStorage throws). The
// agent links through the popup; the session is an HttpOnly, Partitioned cookie no script
// reads; it survives reloads of the inbox; relinking is one click with no password; a browser
// that refuses the cookie is told why and links through the Storage Access API in one click;
// and the inbox's own page (the top-level site the cookie belongs to) cannot act as the
// agent. The proxy's side of all this: proxy/tests/it/oauth.rs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { ARTIFACTS, sandboxToken, signInPopup, startPane, stopPane, waitFor } from './support.mjs';

let proxy, browser, sandbox;

before(async () => ({ proxy, browser, sandbox } = await startPane()));
after(() => stopPane({ proxy, browser }));

const frame = () => browser.page.frameLocator('[data-testid=plugin-salesforce]');
const byId = (id) => frame().locator(`[data-testid="${id}"]`);
const shot = (name) => browser.page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
/** The panel's frame, to run script in it. */
const panelFrame = () => browser.page.frames().find((f) => f.url().includes('/plugin/'));
const panelOrigin = () => new URL(panelFrame().url()).origin;

/** Clicks a panel button that opens the login popup; signs in; what the popup showed. */
async function linkThrough(button = 'link-salesforce') {
  const [popup] = await Promise.all([browser.context.waitForEvent('page'), byId(button).click()]);
  const authorizePages = [];
  popup.on('response', (r) => {
    if (r.url().includes('/services/oauth2/authorize') && r.status() === 200) authorizePages.push(r.url());
  });
  const shown = await signInPopup(popup);
  return { shown, authorizePages };
}

async function reload() {
  await browser.page.reload();
  await waitFor('the panel', () => byId('link-prompt').count().then(async (n) => n + (await byId('person-card').count())), (n) => n > 0, 20_000);
}

test('the link survives reloads of the inbox; the session is an HttpOnly partitioned cookie', { timeout: 90_000 }, async () => {
  const { page, context } = browser;
  await page.goto(`${proxy.url}?refresh_ms=3600000`);
  await byId('link-prompt').waitFor();
  // The browser as Front's agents have it: the panel's storage is denied in the inbox.
  const storage = await panelFrame().evaluate(() => { try { localStorage.getItem('x'); return 'allowed'; } catch (e) { return e.name; } });
  assert.equal(storage, 'SecurityError', 'third-party storage is denied, as in Chromium by default');

  const { shown } = await linkThrough();
  assert.equal(shown, 'login');
  await byId('person-card').waitFor({ timeout: 20_000 });

  const cookies = (await context.cookies()).filter((c) => c.name === 'pane_session');
  const partitioned = cookies.filter((c) => c.partitionKey);
  assert.equal(partitioned.length, 1, JSON.stringify(cookies));
  assert.ok(partitioned[0].httpOnly && partitioned[0].secure && partitioned[0].sameSite === 'None', JSON.stringify(partitioned));
  assert.equal(await panelFrame().evaluate(() => document.cookie.includes('pane_session')), false, 'no script reads the session');

  for (let i = 0; i < 2; i += 1) {
    const popups = [];
    const watch = (p) => popups.push(p.url());
    context.on('page', watch);
    await reload();
    await byId('person-card').waitFor({ timeout: 20_000 });
    assert.equal(await byId('link-prompt').count(), 0, `still linked after reload ${i + 1}`);
    context.off('page', watch);
    assert.deepEqual(popups, [], 'no popup on reload');
  }
  await shot('session-after-reload');
});

test('unlinked, one click links again without a password', { timeout: 90_000 }, async () => {
  const status = await panelFrame().evaluate(async () => (await fetch('/api/oauth/unlink', { method: 'POST', headers: { 'X-Pane-Request': '1' } })).status);
  assert.equal(status, 204);
  await reload();
  await byId('link-prompt').waitFor();
  const { shown, authorizePages } = await linkThrough();
  assert.equal(shown, 'none', 'signed in to Salesforce and the app approved: no page at all');
  assert.deepEqual(authorizePages, [], 'no login or consent page was shown');
  await byId('person-card').waitFor({ timeout: 20_000 });
});

test('a page of the inbox\'s own site, where the cookie is kept, cannot act as the agent', { timeout: 90_000 }, async () => {
  const { page, context } = browser;
  const origin = panelOrigin();
  const before = proxy.logs.length;
  // Any page of the top-level site the panel's cookie is partitioned under (Front's, here the
  // dev inbox's; the dev inbox's own CSP would stop its page from sending these at all).
  // A real server (a page the browser got from the network: Chromium's local network access
  // rules treat a page made up by the test as public, and refuse it loopback requests).
  const server = createServer((_, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>Elsewhere</title><body></body>'));
  await new Promise((r) => server.listen(0, new URL(page.url()).hostname, r));
  const evil = await context.newPage();
  await evil.goto(`http://${new URL(page.url()).hostname}:${server.address().port}/elsewhere.html`);
  // A form post, a no-cors fetch, and a CORS fetch with the panel's header (its preflight
  // goes unanswered), each to routes that would change something.
  const outcome = await evil.evaluate(async (o) => {
    const results = {};
    try {
      await fetch(`${o}/api/oauth/unlink`, { method: 'POST', mode: 'no-cors', credentials: 'include' });
      results.noCors = 'sent';
    } catch (e) { results.noCors = e.name; }
    try {
      await fetch(`${o}/api/records/Contact`, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body: '{"fields":{"LastName":"Forged"}}' });
      results.create = 'sent';
    } catch (e) { results.create = e.name; }
    try {
      await fetch(`${o}/api/oauth/unlink`, { method: 'POST', credentials: 'include', headers: { 'X-Pane-Request': '1' } });
      results.cors = 'answered';
    } catch (e) { results.cors = e.name; }
    const target = document.createElement('iframe');
    target.name = 'forged-target';
    document.body.append(target);
    const form = document.createElement('form');
    Object.assign(form, { method: 'POST', action: `${o}/api/records/Contact`, target: 'forged-target', enctype: 'text/plain' });
    const input = document.createElement('input');
    Object.assign(input, { name: '{"fields":{"LastName":"Forged","x":"', value: '"}}' });
    form.append(input);
    document.body.append(form);
    const loaded = new Promise((r) => target.addEventListener('load', r, { once: true }));
    form.submit();
    // The answer may not load in the frame (it may not be framed); the request is what counts.
    await Promise.race([loaded, new Promise((r) => setTimeout(r, 2_000))]);
    target.remove();
    form.remove();
    return results;
  }, origin);
  await evil.close();
  server.close();
  assert.equal(outcome.cors, 'TypeError', 'the preflight is not answered: the browser refuses');
  // The proxy refused each one that reached it, and the agent is still linked.
  const answered = () => proxy.logs.slice(before).filter((l) => l.includes('finished processing request') && /\/api\/(oauth\/unlink|records)/.test(l));
  const refusals = await waitFor('the refusals in the log', () => answered().filter((l) => /"status":403/.test(l)), (r) => r.length >= 3, 10_000).catch((e) => { throw new Error(`${e.message}\n${answered().join('\n')}`); });
  assert.ok(refusals.length >= 3, refusals.join('\n'));
  await reload();
  await byId('person-card').waitFor({ timeout: 20_000 });
  const token = await sandboxToken(sandbox);
  const res = await fetch(`${sandbox}/services/data/v59.0/query?q=${encodeURIComponent("SELECT Id FROM Contact WHERE LastName = 'Forged'")}`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal((await res.json()).totalSize, 0, 'no record was created');
});

test('a browser that refuses the cookie: the panel says why, and one click links through storage access', { timeout: 90_000 }, async () => {
  const { page, context } = browser;
  await panelFrame().evaluate(async () => fetch('/api/oauth/unlink', { method: 'POST', headers: { 'X-Pane-Request': '1' } }));
  await reload();
  await byId('link-prompt').waitFor();
  // This browser keeps no partitioned cookie: the redeem's answer loses its Set-Cookie (the
  // request is made again outside the browser, so nothing else is kept either).
  await page.route('**/api/oauth/redeem', async (route) => {
    const request = route.request();
    const res = await fetch(request.url(), { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Pane-Request': '1' }, body: request.postData() });
    const headers = Object.fromEntries([...res.headers].filter(([k]) => k !== 'set-cookie'));
    await route.fulfill({ status: res.status, headers, body: await res.text() });
  });
  await linkThrough();
  await byId('link-reason').waitFor({ timeout: 20_000 });
  const reason = await byId('link-reason').textContent();
  assert.match(reason, /did not keep the panel's sign-in/, reason);
  await shot('session-cookie-refused');
  await page.unroute('**/api/oauth/redeem');

  // The agent allows storage access (as a browser's prompt would): one click, and the cookie
  // the popup kept in this browser is the panel's too. No popup this time.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Browser.setPermission', {
    permission: { name: 'storage-access' },
    setting: 'granted',
    // The top-level site, and the frame granted access in it.
    origin: new URL(page.url()).origin,
    embeddedOrigin: panelOrigin(),
  });
  const popups = [];
  const watch = (p) => popups.push(p.url());
  context.on('page', watch);
  await byId('link-salesforce').click();
  await byId('person-card').waitFor({ timeout: 20_000 });
  context.off('page', watch);
  assert.deepEqual(popups, [], 'linked through storage access, no popup');
  assert.equal(await panelFrame().evaluate(() => document.hasStorageAccess()), true);
});
