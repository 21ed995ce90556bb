// The dev inbox with our panel, end to end: the real proxy and sandbox org, the built panel
// (dist/), headless Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ARTIFACTS, launchBrowser, listedMessages, startProxy, waitFor, watchFrames } from './support.mjs';

let proxy;
let browser;

before(async () => {
  proxy = await startProxy();
  browser = await launchBrowser();
  // The pages' timers run on a clock the tests can run forward (it keeps real time until
  // they do): a check that nothing happens for a while takes no while.
  await browser.context.clock.install();
});

after(async () => {
  await browser?.close();
  if (proxy) assert.equal(await proxy.stop(), 0, 'the proxy shuts down gracefully on SIGTERM');
  assert.deepEqual(browser?.errors ?? [], [], 'no page error');
  const logs = proxy?.logs.join('\n') ?? '';
  assert.ok(!logs.includes('auth_secret'), 'no query string reaches the logs');
});

const panel = () => browser.page.frameLocator('[data-testid=plugin-salesforce]');
const text = (testid) => panel().locator(`[data-testid=${testid}]`).textContent();
const lookupState = () => panel().locator('[data-testid=lookup]').getAttribute('data-state');

async function open(caseName) {
  await browser.page.locator('[data-testid=conversation-item]', { hasText: caseName }).click();
}

test('each sample conversation shows what the panel looks up, or why not', async () => {
  const { page } = browser;
  await page.goto(`${proxy.url}?refresh_ms=60000`);
  await waitFor('the first conversation', () => text('lookup-handle').catch(() => ''), (t) => t === 'rose@edge.com');
  assert.equal(await text('lookup-name'), 'Rose Gonzalez');
  assert.equal(await text('lookup-channel'), 'Email');
  // Loading the panel costs one request, not one per layout flicker: whether the agent is
  // linked (the session is a cookie the panel cannot read, so it asks once, and asks nothing
  // more of an agent who is not), whose answer brings the backend's status too.
  await waitFor('the backend status', () => text('backend'), (t) => t === 'Connected to the sandbox org');
  await panel().locator('[data-testid=link-prompt]').waitFor();
  await page.screenshot({ path: join(ARTIFACTS, 'dev-inbox.png') });
  // A second more runs on the pages' clock, every timer due in it firing at once: still that
  // one request (the backend's status is next asked after refresh_ms, a minute).
  await page.clock.runFor(1_000);
  assert.equal(await text('request-count'), '1');

  const expected = [
    ['Email from an unknown address at a known company', 'handle', 'tim.barr@burlington.com', 'Email'],
    ['Email from a totally unknown address', 'handle', 'zoe@quintessential-kites.example', 'Email'],
    ['SMS', 'handle', '+15127579340', 'SMS'],
    ['Phone call', 'handle', '+13362227000', 'Phone call'],
    ['Several senders and CCs', 'handle', 'sean@edge.com', 'Email'],
    ['Email from a known address', 'handle', 'rose@edge.com', 'Email'],
  ];
  for (const [name, state, handle, channel] of expected) {
    await open(name);
    await waitFor(name, () => text('lookup-handle').catch(() => ''), (t) => t === handle);
    assert.equal(await lookupState(), state, name);
    assert.equal(await text('lookup-channel'), channel, name);
  }

  await open('WhatsApp message');
  await waitFor('unsupported', lookupState, (s) => s === 'unsupported');
  assert.equal(
    await text('lookup-message'),
    "WhatsApp conversations can't be matched with Salesforce records. Salesforce Pane matches email, SMS and phone calls.",
  );

  // Several selected at once.
  await open('Email from a known address');
  const boxes = page.locator('[data-testid=conversation-item] [data-testid=select]');
  await boxes.nth(3).check();
  await boxes.nth(6).check();
  await waitFor('several', lookupState, (s) => s === 'several');
  assert.equal(await text('lookup-message'), '3 conversations are selected. Open one to see its Salesforce records.');

  // None.
  await page.click('[data-testid=clear-selection]');
  await waitFor('none', lookupState, (s) => s === 'no-conversation');
  assert.equal(await text('lookup-message'), 'No conversation is open. Open one to see its Salesforce records.');
});

test('several senders and CCs: the first address is shown, the others in a chooser', async () => {
  const { page } = browser;
  await page.goto(`${proxy.url}?refresh_ms=60000`);
  await open('Several senders and CCs');
  // One line says how many are in the conversation; the list opens under it on a click.
  const toggle = panel().locator('[data-testid=participants-toggle]');
  await waitFor('the participants\' chooser', () => toggle.textContent().catch(() => ''), (t) => t === '4 people');
  const participants = panel().locator('[data-testid=participant]');
  assert.equal(await participants.count(), 0, 'the list is closed until the agent opens it');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  await waitFor('participants', () => participants.count(), (n) => n === 4);
  const handles = await participants.evaluateAll((els) => els.map((e) => e.dataset.handle));
  // Teammates (ana, ben), the support address and the team's domain are never listed.
  assert.deepEqual(handles, ['sean@edge.com', 'rose@edge.com', 'lisa.lee@edge.com', 'jrogers@burlington.com']);
  await participants.nth(3).click();
  await waitFor('the chosen participant', () => text('lookup-handle'), (t) => t === 'jrogers@burlington.com');
  assert.equal(await text('lookup-name'), 'Jack Rogers');
  // Choosing closes the list; Escape closes it too.
  await waitFor('the list closed', () => participants.count(), (n) => n === 0);
  await toggle.click();
  await participants.first().waitFor();
  assert.equal(await participants.nth(3).getAttribute('aria-pressed'), 'true');
  await participants.first().press('Escape');
  await waitFor('the list closed by Escape in it', () => participants.count(), (n) => n === 0);
  await toggle.click();
  await participants.first().waitFor();
  await toggle.press('Escape');
  await waitFor('the list closed by Escape on the toggle', () => participants.count(), (n) => n === 0);
});

/**
 * Opens `caseName` while the host answers listMessages 400 ms late (the page loaded with
 * `host_delay_ms=400`), and answers what `what` read of `selector` in each frame in which the
 * panel changed, from the first one showing `handle` (support.mjs `watchFrames`), once the host
 * has answered and `settled` has returned.
 */
async function framesAsTheHostAnswers(caseName, handle, selector, what, settled = async () => {}) {
  const { page } = browser;
  const frame = page.frames().find((f) => f.url().includes('/plugin/'));
  const framesSeen = await watchFrames(frame, handle, selector, what);
  const listed = () => listedMessages(page);
  const listedBefore = await listed();
  await open(caseName);
  await waitFor('the first frame', async () => (await framesSeen()).length, (n) => n > 0);
  await page.clock.runFor(1_000);
  await waitFor('the host answered', listed, (n) => n > listedBefore);
  await settled();
  await frame.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  return framesSeen();
}

test('a new conversation: its sender and records do not move when the host lists its participants', async () => {
  // A new page: no conversation seen before.
  await browser.page.goto(`${proxy.url}?refresh_ms=60000&host_delay_ms=400`);
  await waitFor('the first conversation', () => text('lookup-handle').catch(() => ''), (t) => t === 'rose@edge.com');
  // Where what is below Sean's address is (the link prompt: this page is not linked; linked, it
  // is his records).
  const seen = await framesAsTheHostAnswers('Several senders and CCs', 'sean@edge.com', '[data-testid=link-prompt]', 'top', () => (
    waitFor('the participants\' chooser', () => text('participants-toggle').catch(() => ''), (t) => t === '4 people')));
  assert.ok(seen.length > 1, `frames after the answer were seen: ${seen}`);
  assert.ok(seen.every((top) => top === seen[0]), `the prompt at one height in every frame: ${seen}`);
});

test('a conversation seen before lists its participants from its first frame: nothing moves when the host answers', async () => {
  // The host answers listMessages after 400 ms, as Front may (it asks Front's servers).
  await browser.page.goto(`${proxy.url}?refresh_ms=60000&host_delay_ms=400`);
  await open('Several senders and CCs');
  await waitFor('participants', () => text('participants-toggle').catch(() => ''), (t) => t === '4 people');
  await open('Email from a known address');
  await waitFor('the other sender', () => text('lookup-handle'), (t) => t === 'rose@edge.com');
  // The participants counted; the host's answer lists the same four.
  const seen = await framesAsTheHostAnswers('Several senders and CCs', 'sean@edge.com', '[data-testid=participants-toggle]', 'text');
  assert.equal(seen[0], '4 people', 'the four participants are in the first frame');
  assert.ok(seen.every((t) => t === '4 people'), `four in every frame since: ${seen}`);
});

async function requests() {
  return Number(await text('request-count'));
}

/**
 * Once the panel says it is paused, its clock is run on for `ms` (every timer due fires, at
 * once: no waiting): it sends nothing meanwhile.
 */
async function assertPausedFor(ms, why) {
  await waitFor(`paused (${why})`, () => panel().locator('[data-testid=panel-active]').getAttribute('data-active'), (a) => a === 'false');
  const before = await requests();
  await browser.page.clock.runFor(ms);
  assert.equal(await requests(), before, `no request while ${why}`);
  return before;
}

async function assertLiveAgain(after, why) {
  // Stale data is refreshed at once, then on schedule.
  await waitFor(`requests again after ${why}`, requests, (n) => n > after, 3_000);
}

test('a hidden panel makes no request: collapsed pane, other plugin tab, background tab', async () => {
  const { page } = browser;
  await page.goto(`${proxy.url}?refresh_ms=150`);
  await waitFor('live requests', requests, (n) => n >= 3);

  let count;
  // Twice each: hiding must be noticed every time, not only the first.
  for (let round = 1; round <= 2; round += 1) {
    await page.click('[data-testid=collapse]');
    count = await assertPausedFor(800, `the pane is collapsed (round ${round})`);
    await page.click('[data-testid=collapse]');
    await assertLiveAgain(count, 'expanding');

    await page.click('[data-testid=tab-notes]');
    assert.equal(await page.locator('[data-testid=plugin-salesforce]').isVisible(), false);
    count = await assertPausedFor(800, `another plugin tab is selected (round ${round})`);
    await page.click('[data-testid=tab-salesforce]');
    await assertLiveAgain(count, 'coming back to our tab');
  }

  // Headless Chromium never hides a tab, so the page's visibility is set as a browser would.
  const frame = page.frames().find((f) => f.url().includes('/plugin/'));
  const setHidden = (hidden) =>
    frame.evaluate((h) => {
      if (h) Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
      else delete document.visibilityState;
      document.dispatchEvent(new Event('visibilitychange'));
    }, hidden);
  await setHidden(true);
  count = await assertPausedFor(1_200, 'the tab is in the background');
  await setHidden(false);
  await assertLiveAgain(count, 'the tab coming back');
});

test('the panel opens links through the host, in a new tab', async () => {
  const { page, context } = browser;
  await page.goto(`${proxy.url}?refresh_ms=60000`);
  await waitFor('the backend status', () => text('backend'), (t) => t === 'Connected to the sandbox org');
  const orgUrl = await panel().locator('[data-testid=backend]').getAttribute('title');
  const [tab] = await Promise.all([context.waitForEvent('page'), panel().locator('[data-testid=backend]').click()]);
  await tab.waitForLoadState();
  assert.equal(tab.url(), orgUrl);
  assert.match(await tab.locator('h1').innerText(), /sandbox org/);
  assert.deepEqual(await page.evaluate(() => window.devInbox.openedUrls), [orgUrl]);
  await tab.close();
});

test('the host accepts a handshake only from the plugin frame', async () => {
  const { page } = browser;
  await page.goto(`${proxy.url}?refresh_ms=60000`);
  await waitFor('the panel', () => text('lookup-handle').catch(() => ''), (t) => t === 'rose@edge.com');
  const notes = page.frames().find((f) => f.url().includes('/plugins/notes.html'));
  await notes.evaluate(() => {
    const channel = new MessageChannel();
    window.parent.postMessage('@frontapp/ui-sdk#WebViewBridge.handshake', '*', [channel.port2]);
  });
  const log = page.locator('[data-testid=bridge-log] li[data-kind=refused]');
  await waitFor('the refusal', () => log.count(), (n) => n === 1);
  // Our panel still has the host's ear: a new conversation still reaches it.
  await open('SMS');
  await waitFor('the SMS handle', () => text('lookup-handle'), (t) => t === '+15127579340');
});

test('the panel is served with its CSP and is frameable only by the configured hosts', async () => {
  const res = await fetch(`${proxy.url.replace('127.0.0.1', 'localhost')}plugin/?auth_secret=e2e`);
  assert.equal(res.status, 200);
  const csp = res.headers.get('content-security-policy');
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval' 'sha256-[A-Za-z0-9+/=]+'/);
  assert.match(csp, /frame-ancestors https:\/\/\*\.frontapp\.com https:\/\/\*\.frontapplication\.com http:\/\/127\.0\.0\.1:\d+ http:\/\/localhost:\d+$/);
});
