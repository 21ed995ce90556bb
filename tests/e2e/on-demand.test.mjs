// What is not on the first paint is in wasm modules of its own in the release build
// (src/split.rs, src/components/on_demand.rs, scripts/wasm-split.mjs): the cog's field chooser,
// settings, the create and convert forms; the search results, the add-note and note-edit forms,
// a field's in-place input and a conflict, the participants' list; what an agent's action runs
// (the link flow, a field's save, Log conversation, a pin); the reads that come after the
// records' paint (describes, the conversation's messages, participants and logged count, an
// Opportunity's notes). The first paint waits for none of them, the panel fetches them all in the
// background once it has been seen for a moment (`prefetch_ms`), one needed before that is
// fetched then, once, and a module that cannot be fetched shows why, a Retry that loads it and a
// Reload, the rest of the panel working on. Screenshot: target/e2e/on-demand-error.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, ROOT, linkInPanel, openFieldChooser, panelFrame, startPane, stopPane, waitFor } from './support.mjs';

let proxy, browser;
/** Every answer for a split module: `{ url, status, type }`. */
const fetched = [];
/** Every request for a split module (answered or not), by URL. */
const requested = [];
const isViewModule = (url) => /\/plugin\/panel-view-[0-9a-f]{16}\.wasm$/.test(new URL(url).pathname);

before(async () => {
  ({ proxy, browser } = await startPane());
  browser.page.on('request', (r) => {
    if (isViewModule(r.url())) requested.push(r.url());
  });
  browser.page.on('response', (r) => {
    if (isViewModule(r.url())) fetched.push({ url: r.url(), status: r.status(), type: r.headers()['content-type'] });
  });
});
after(() => stopPane({ proxy, browser }));

const panel = () => panelFrame(browser.page);
const byId = (id) => panel().locator(`[data-testid="${id}"]`);

async function showKnownSender() {
  await browser.page.locator('[data-testid=conversation-item]', { hasText: 'Email from a known address' }).click();
  await byId('person-card').waitFor();
}

/** The panel's page with the views' background fetch an hour away (a view fetches its own). */
const NO_PREFETCH = 'refresh_ms=60000&prefetch_ms=3600000';

test('the first paint waits for no split module; the link and the cog fetch their own, once', async () => {
  const { page, context } = browser;
  // Every split module held back from the page's load: the link prompt is drawn all the same.
  await holdingModules(async () => {
    await page.goto(`${proxy.url}?${NO_PREFETCH}`);
    await byId('link-prompt').waitFor();
  });
  // The link flow's module cannot be fetched: the prompt says why, and the next click links.
  await withViewModules((route) => route.abort('internetdisconnected'), async () => {
    await byId('link-salesforce').click();
    await waitFor('why it could not link', () => byId('link-reason').textContent().catch(() => ''), (t) => /Part of the panel could not be loaded/.test(t));
  });
  await linkInPanel(page, context);

  // The panel loaded again, its split modules held back: the records are painted all the same;
  // what comes after them (the labels, the conversation's messages, its logged count) waits.
  requested.length = 0;
  fetched.length = 0;
  await holdingModules(async ({ asked }) => {
    await page.goto(`${proxy.url}?${NO_PREFETCH}`);
    await showKnownSender();
    await waitFor('the reads after the paint asked for their modules', () => asked.length, (n) => n > 0);
  });

  await openFieldChooser(panel());
  assert.ok(fetched.length > 0, 'the field chooser fetched its modules');
  for (const f of fetched) {
    assert.equal(f.status, 200, f.url);
    assert.equal(f.type, 'application/wasm', `${f.url} is served as wasm (instantiateStreaming needs it)`);
  }
  await byId('cog').click();
  await byId('person-card').waitFor();
  await openFieldChooser(panel());
  // Each module once a page: opening the chooser again asked for none of its own again.
  assert.deepEqual(requested.filter((u, i) => requested.indexOf(u) !== i), [], 'no module asked for twice');
});

/**
 * Runs `body({ asked, release })` with every split module's request held until `release()` (or
 * the body's end); `asked` lists their URLs as they are asked for.
 */
async function holdingModules(body) {
  let release;
  const gate = new Promise((resolve) => { release = resolve; });
  const asked = [];
  const answered = [];
  const handler = (route) => {
    asked.push(route.request().url());
    // A request its page dropped meanwhile (a navigation) cannot be continued: nothing to do.
    const answer = gate.then(() => route.continue()).catch(() => {});
    answered.push(answer);
    return answer;
  };
  const match = (url) => isViewModule(url.href);
  await browser.page.route(match, handler);
  try {
    return await body({ asked, release });
  } finally {
    release();
    await Promise.all(answered);
    await browser.page.unroute(match, handler);
  }
}

/** Runs `body` with the view modules' requests answered by `handler` (a Playwright route handler). */
async function withViewModules(handler, body) {
  const match = (url) => isViewModule(url.href);
  await browser.page.route(match, handler);
  try {
    return await body();
  } finally {
    await browser.page.unroute(match, handler);
  }
}

test('a view module that cannot be fetched shows why; the panel works on, and the view loads once the network is back', async () => {
  const { page } = browser;
  await page.goto(`${proxy.url}?${NO_PREFETCH}`);
  await showKnownSender();
  let refused = 0;
  await withViewModules((route) => { refused += 1; return route.abort('internetdisconnected'); }, async () => {
    await byId('settings-button').click();
    await byId('on-demand-error').waitFor();
    assert.ok(refused > 0, 'the settings view asked for its module');
    assert.match(await byId('on-demand-error').textContent(), /could not be loaded\. Check the connection and retry/);
    await page.screenshot({ path: join(ARTIFACTS, 'on-demand-error.png') });
    // The rest of the panel works on: back to the records, which are still there.
    await byId('settings-button').click();
    await byId('person-card').waitFor();
  });
  // A failure is not kept: opening the view again, the network back, fetches it anew.
  await byId('settings-button').click();
  await byId('linked-user').waitFor();
  assert.equal(await byId('on-demand-error').count(), 0);
});

test('Retry fetches the module again', async () => {
  const { page } = browser;
  await page.goto(`${proxy.url}?${NO_PREFETCH}`);
  await showKnownSender();
  let refusing = true;
  await withViewModules((route) => (refusing ? route.abort('internetdisconnected') : route.continue()), async () => {
    await byId('settings-button').click();
    await byId('on-demand-retry').waitFor();
    refusing = false;
    await byId('on-demand-retry').click();
    await byId('settings').waitFor();
    assert.equal(await byId('on-demand-error').count(), 0, 'the error is gone once the view is in');
  });
});

test('after a deploy (the old modules gone), Reload loads the new panel, whose views open', async () => {
  const { page } = browser;
  await page.goto(`${proxy.url}?${NO_PREFETCH}`);
  await showKnownSender();
  const frame = () => page.frame({ url: /\/plugin\// });
  await withViewModules((route) => route.fulfill({ status: 404, body: 'Not Found' }), async () => {
    await byId('settings-button').click();
    await byId('on-demand-error').waitFor();
    await frame().evaluate(() => { window.oldPage = true; });
    await byId('on-demand-reload').click();
    await waitFor('the panel loaded again', async () => frame()?.evaluate(() => window.oldPage === undefined).catch(() => false), (fresh) => fresh === true);
  });
  // The new page: its records, then the view from its own modules.
  await byId('person-card').waitFor();
  await byId('settings-button').click();
  await byId('linked-user').waitFor();
});

test('a form inside the records whose module cannot be fetched can be closed; once the network is back it opens', async () => {
  const { page } = browser;
  await page.goto(`${proxy.url}?${NO_PREFETCH}`);
  await showKnownSender();
  const notes = panel().locator('[data-testid=person-card] [data-testid=notes]');
  await withViewModules((route) => route.abort('internetdisconnected'), async () => {
    await notes.locator('[data-testid=add-note]').click();
    await notes.locator('[data-testid=on-demand-error]').waitFor();
    assert.equal(await notes.locator('[data-testid=add-note]').isVisible(), false, 'the form (not come) stands where Add note was');
    // Close puts back what the form replaced, as the form's Cancel would.
    await notes.locator('[data-testid=on-demand-close]').click();
    await notes.locator('[data-testid=add-note]').waitFor();
    assert.equal(await notes.locator('[data-testid=on-demand-error]').count(), 0);
  });
  await notes.locator('[data-testid=add-note]').click();
  await notes.locator('[data-testid=note-title]').waitFor();
  assert.equal(await notes.locator('[data-testid=on-demand-error]').count(), 0);
});

test('the conversation\'s messages, whose module could not be fetched at first, come once it can be', async () => {
  const { page } = browser;
  let refusing = true;
  await withViewModules((route) => (refusing ? route.abort('internetdisconnected') : route.continue()), async () => {
    await page.goto(`${proxy.url}?${NO_PREFETCH}`);
    await showKnownSender();
    assert.equal(await byId('log-conversation').isEnabled(), false, 'no messages to log yet');
    refusing = false;
    await waitFor('the messages read on a later try', () => byId('log-conversation').isEnabled(), (e) => e, 15_000);
  });
});

test('a field whose input cannot be fetched can be closed: its value is back, and the pencil opens it later', async () => {
  const { page } = browser;
  await page.goto(`${proxy.url}?${NO_PREFETCH}`);
  await showKnownSender();
  const row = panel().locator('[data-testid=person-card] [data-testid=field-Title]');
  await withViewModules((route) => route.abort('internetdisconnected'), async () => {
    await row.locator('[data-testid=field-value]').hover();
    await row.locator('[data-testid=pencil]').click();
    await row.locator('[data-testid=on-demand-error]').waitFor();
    await row.locator('[data-testid=on-demand-close]').click();
    await waitFor('the value back', () => row.getAttribute('data-state'), (st) => st === 'viewing');
    assert.equal(await row.locator('[data-testid=on-demand-error]').count(), 0);
  });
  await row.locator('[data-testid=field-value]').hover();
  await row.locator('[data-testid=pencil]').click();
  await row.locator('[data-testid=input-Title]').waitFor();
  const focused = () => row.locator('[data-testid=input-Title]').evaluate((e) => document.activeElement === e).catch(() => false);
  await waitFor('the input focused once its module came', focused, (f) => f);
  await row.locator('[data-testid=input-Title]').press('Escape');
});

test('once seen, the panel fetches every view module in the background; the views then open without the network', async () => {
  const { page } = browser;
  fetched.length = 0;
  await page.goto(`${proxy.url}?refresh_ms=60000&prefetch_ms=200`);
  await showKnownSender();
  const built = readdirSync(join(ROOT, 'dist')).filter((f) => /^panel-view-[0-9a-f]{16}\.wasm$/.test(f));
  assert.ok(built.length >= 4, `the build split out modules: ${built.length}`);
  await waitFor('every view module fetched', () => fetched.length, (n) => n >= built.length);
  const names = fetched.map((f) => new URL(f.url).pathname.split('/').pop()).sort();
  assert.deepEqual(names, [...built].sort(), 'each module the build wrote, once');
  // Offline from here: each view opens from what was fetched.
  await withViewModules((route) => route.abort('internetdisconnected'), async () => {
    await openFieldChooser(panel());
    await byId('settings-button').click();
    await byId('linked-user').waitFor();
    assert.equal(await byId('on-demand-error').count(), 0);
  });
  assert.equal(fetched.length, built.length, 'nothing fetched again');
});
