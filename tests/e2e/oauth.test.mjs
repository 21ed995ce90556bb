// The OAuth link in a real browser: a page at the panel's origin opens the authorize URL in a
// popup, the agent logs in on the sandbox org's login page, and the callback hands the panel
// its session through postMessage (no cookies). The session then reads the panel API;
// unlinking revokes it. No token or secret reaches the logs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, startProxy } from './support.mjs';

let proxy;
let browser;

before(async () => {
  proxy = await startProxy();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await proxy?.stop();
});

test('an agent links Salesforce through the login page in a popup', { timeout: 30_000 }, async () => {
  const { page, context } = browser;
  const origin = new URL(proxy.url).origin;
  await page.goto(`${origin}/plugin/?refresh_ms=60000`);
  // What the panel's sign-in does: ask for the authorize URL, open it, wait for the message.
  const authorize = await page.evaluate(async (o) => {
    const res = await fetch(`/api/oauth/start?origin=${encodeURIComponent(o)}`);
    return (await res.json()).authorize_url;
  }, origin);
  assert.match(authorize, /code_challenge_method=S256/);
  assert.match(authorize, /&state=/);
  const message = page.evaluate(
    () =>
      new Promise((resolve) => {
        window.addEventListener('message', (e) => {
          if (e.data?.type === 'salesforce-pane-session') resolve({ origin: e.origin, session: e.data.session });
        });
      }),
  );
  const [popup] = await Promise.all([
    context.waitForEvent('page'),
    page.evaluate((url) => { window.open(url, 'salesforce-login', 'width=480,height=640'); }, authorize),
  ]);
  await popup.waitForSelector('#username');
  await popup.fill('#username', 'ana@pane-support.example');
  await popup.fill('#password', 'demo-ana-1');
  const closed = popup.waitForEvent('close');
  await popup.click('#allow');
  const { origin: from, session } = await message;
  await closed;
  assert.equal(from, origin, 'posted by the proxy, to the panel origin only');
  assert.ok(session.length >= 40, 'an opaque session');

  const me = await page.evaluate(async (s) => {
    const res = await fetch('/api/me', { headers: { Authorization: `Bearer ${s}` } });
    return { status: res.status, body: await res.json() };
  }, session);
  assert.equal(me.status, 200);
  assert.equal(me.body.username, 'ana@pane-support.example');
  assert.equal(me.body.is_admin, true);

  const panel = await page.evaluate(async (s) => {
    const res = await fetch('/api/panel?kind=email&handle=rose%40edge.com', { headers: { Authorization: `Bearer ${s}` } });
    return (await res.json()).person?.fields?.Name;
  }, session);
  assert.equal(panel, 'Rose Gonzalez');

  const cookies = await context.cookies();
  assert.deepEqual(cookies.filter((c) => c.domain.includes('127.0.0.1') && !c.name.startsWith('sandbox')), [], 'no cookies from the proxy');

  const after = await page.evaluate(async (s) => {
    const unlink = await fetch('/api/oauth/unlink', { method: 'POST', headers: { Authorization: `Bearer ${s}` } });
    const me = await fetch('/api/me', { headers: { Authorization: `Bearer ${s}` } });
    return [unlink.status, me.status];
  }, session);
  assert.deepEqual(after, [204, 401], 'unlinked: the session is gone');

  const logs = proxy.logs.join('\n');
  assert.ok(!logs.includes(session), 'the session never reaches the logs');
  assert.ok(!logs.includes('pane-sandbox-demo-secret'), 'nor the client secret');
  assert.ok(!/access_token|refresh_token=|"code":"/.test(logs), 'nor any token or code');
});
