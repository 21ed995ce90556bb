// Protocol compatibility: Front's real plugin SDK (npm @frontapp/plugin-sdk 1.10.0) runs in
// the dev inbox in place of our panel. If Front's own SDK works against our host, our host
// speaks Front's protocol, and a panel that works in our host works in Front.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, launchBrowser, startProxy, waitFor } from './support.mjs';

const FILES = {
  '/': join(ROOT, 'tests', 'e2e', 'sdk-probe', 'index.html'),
  '/sdk/index.umd.js': join(ROOT, 'node_modules', '@frontapp', 'plugin-sdk', 'dist', 'index.umd.js'),
};

let proxy;
let browser;
let probe;
let probeUrl;

before(async () => {
  const pkg = JSON.parse(await readFile(join(ROOT, 'node_modules', '@frontapp', 'plugin-sdk', 'package.json'), 'utf8'));
  assert.equal(pkg.version, '1.10.0', 'the SDK under test is Front\'s 1.10.0');
  probe = createServer(async (req, res) => {
    const file = FILES[new URL(req.url, 'http://x').pathname];
    if (!file) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html' });
    res.end(await readFile(file));
  });
  await new Promise((r) => probe.listen(0, '127.0.0.1', r));
  probeUrl = `http://127.0.0.1:${probe.address().port}/`;
  proxy = await startProxy();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await proxy?.stop();
  probe?.close();
  assert.deepEqual(browser?.errors ?? [], [], 'no page error');
});

test('Front\'s own SDK receives every context and gets answers from our host', async () => {
  const { page } = browser;
  await page.goto(`${proxy.url}?plugin=${encodeURIComponent(probeUrl)}`);
  const frame = () => page.frames().find((f) => f.url().startsWith(probeUrl));
  await waitFor('the probe frame', async () => Boolean(frame()), Boolean);
  const contexts = () => frame().evaluate(() => window.probe.contexts);

  // The host pushed a context right after the handshake.
  let seen = await waitFor('the first context', contexts, (c) => c.length >= 1);
  assert.deepEqual(seen.at(-1), { id: seen.at(-1).id, type: 'singleConversation', conversation: 'cnv_known' });

  // Every change pushes a new context with a new id.
  await page.locator('[data-testid=conversation-item]', { hasText: 'Several senders and CCs' }).click();
  seen = await waitFor('the second context', contexts, (c) => c.at(-1)?.conversation === 'cnv_group');
  assert.notEqual(seen.at(-1).id, seen.at(-2).id);

  // listMessages: dates arrive as Dates (structured clone), pages through nextPageToken.
  const messages = await frame().evaluate(async () => {
    const first = await window.probe.context.listMessages();
    const second = await window.probe.context.listMessages(first.nextPageToken);
    const all = [...first.results, ...second.results];
    return {
      ids: all.map((m) => m.id),
      datesAreDates: all.every((m) => m.date instanceof Date),
      firstDate: all[0].date.toISOString(),
      from: all.map((m) => m.from.handle),
      statuses: all.map((m) => m.status),
      secondHasMore: second.nextPageToken !== undefined,
    };
  });
  assert.deepEqual(messages, {
    ids: ['msg_group_1', 'msg_group_2', 'msg_group_3'],
    datesAreDates: true,
    firstDate: '2026-11-18T09:00:00.000Z',
    from: ['sean@edge.com', 'support@pane-support.example', 'lisa.lee@edge.com'],
    statuses: ['inbound', 'outbound', 'inbound'],
    secondHasMore: false,
  });

  // listRecipients and listTeammates answer too.
  const [recipients, teammates] = await frame().evaluate(async () => [
    (await window.probe.context.listRecipients()).results.length,
    (await window.probe.context.listTeammates()).results.map((t) => t.email),
  ]);
  assert.ok(recipients > 0);
  assert.deepEqual(teammates, ['ana@pane-support.example', 'ben@pane-support.example']);

  // openUrl: the host opens a new tab.
  const target = `${proxy.url}api/health`;
  const [tab] = await Promise.all([
    browser.context.waitForEvent('page'),
    frame().evaluate((url) => window.probe.context.openUrl(url), target),
  ]);
  assert.equal(tab.url(), target);
  await tab.close();
  assert.deepEqual(await page.evaluate(() => window.devInbox.openedUrls), [target]);

  // A URL the host refuses: the SDK rejects with the host's function_error.
  const refused = await frame().evaluate(() =>
    window.probe.context.openUrl('javascript:alert(1)').then(() => 'resolved', (e) => e.message));
  assert.equal(refused, 'Only http and https URLs can be opened, not javascript:');

  // No conversation: the context no longer offers listMessages; the SDK's own check (on
  // `Front.*`, which acts on the latest context) refuses it, as in Front.
  await page.click('[data-testid=clear-selection]');
  await waitFor('noConversation', contexts, (c) => c.at(-1)?.type === 'noConversation');
  const missing = await frame().evaluate(() =>
    window.Front.listMessages().then(() => 'resolved', (e) => e.message));
  assert.equal(missing, 'listMessages is not a valid function for context noConversation.');

  // Several selected.
  const boxes = page.locator('[data-testid=conversation-item] [data-testid=select]');
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  await waitFor('multiConversations', contexts, (c) => c.at(-1)?.type === 'multiConversations');
  const ids = await frame().evaluate(() => window.probe.context.conversations.map((c) => c.id));
  assert.deepEqual(ids, ['cnv_known', 'cnv_domain']);
});
