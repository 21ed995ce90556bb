// The fault matrix as the agent sees it: each fault the sandbox org can inject against each
// panel call that reaches Salesforce (the sender's records, search, an inline edit), in the
// dev inbox in headless Chromium. Under each fault the panel either works through it or says
// clearly what happened (and loses nothing: an edit rolls back); once the fault clears, the
// same action works. The proxy's answers themselves are asserted in proxy/tests/it/faults.rs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { linkInPanel, sandboxControl, sandboxToken, seedGenerated, startPane, stopPane, waitFor } from './support.mjs';

const FAULTS = [
  { name: 'latency', control: 'faults', body: { latency_ms: 150 }, works: true },
  { name: '503s', control: 'faults', body: { fail_next: 20, fail_status: 503 }, works: false },
  { name: 'dropped connections', control: 'faults', body: { drop_next: 20 }, works: false },
  { name: 'expired tokens', control: 'expire-tokens', body: {}, works: true },
  { name: 'quota spent', control: 'quota', body: { max: 10, used: 10 }, works: false, quota: true },
  { name: 'malformed JSON', control: 'faults', body: { malformed_next: 20 }, works: false },
];

let proxy, browser, sandbox;

before(async () => {
  // Probe at once: once the quota is back, the next call learns it.
  ({ proxy, browser, sandbox } = await startPane(['--quota-probe-secs', '0']));
  // One sender per fault, and one more for the slow read.
  await seedGenerated(sandbox, FAULTS.length + 1);
  await browser.page.goto(`${proxy.url}?refresh_ms=3600000&generated=${FAULTS.length + 1}`);
  await linkInPanel(browser.page, browser.context);
});
after(() => stopPane({ proxy, browser }, 'no page error: nothing crashed'));

const panel = () => browser.page.frameLocator('[data-testid=plugin-salesforce]');
const byId = (id) => panel().locator(`[data-testid="${id}"]`);
const control = (path, body) => sandboxControl(sandbox, path, body);
const clear = async () => {
  await control('faults', {});
  await control('quota', { max: 15_000, used: 0 });
};
const cause = (fault) => control(fault.control, fault.body);

/** A message the agent can read: words, naming Salesforce, no leaked internals. */
function assertClear(text, what) {
  assert.ok(text && text.trim().length > 10, `${what}: a message (${text})`);
  assert.match(text, /Salesforce/, `${what}: says it is about Salesforce (${text})`);
  assert.doesNotMatch(text, /undefined|\[object|panicked|unwrap/, `${what}: nothing internal (${text})`);
}

async function titleOf(i) {
  const token = await sandboxToken(sandbox);
  const q = encodeURIComponent(`SELECT Title FROM Contact WHERE Email = 'bench${i}@bench-co.example'`);
  const res = await fetch(`${sandbox}/services/data/v59.0/query?q=${q}`, { headers: { Authorization: `Bearer ${token}` } });
  return (await res.json()).records[0]?.Title;
}

async function editTitle(value) {
  const row = panel().locator('[data-testid=person-card] [data-testid=field-Title]');
  await row.locator('[data-testid=field-value]').hover();
  await row.locator('[data-testid=pencil]').click();
  await row.locator('[data-testid=input-Title]').fill(value);
  await row.locator('[data-testid=input-Title]').press('Enter');
  return row;
}

const shownTitle = () => panel().locator('[data-testid=person-card] [data-testid=field-Title] .value-text').textContent({ timeout: 2_000 }).catch(() => null);

FAULTS.forEach((fault, i) => {
  test(`${fault.name}: the records, a search and an inline edit`, { timeout: 60_000 }, async () => {
    const who = `bench${i}@bench-co.example`;
    // The sender's records, read for the first time under the fault.
    await clear();
    await cause(fault);
    await browser.page.locator(`[data-testid=conversation-item][data-id="cnv_gen_${i}"]`).click();
    await waitFor('the lookup of the new sender', () => byId('lookup-handle').textContent().catch(() => ''), (t) => t === who);
    if (fault.works) {
      await byId('person-card').waitFor();
    } else {
      const id = fault.quota ? 'records-quota' : 'records-error';
      await byId(id).waitFor();
      assertClear(await byId(id).textContent(), `records under ${fault.name}`);
      await clear();
      await byId('retry').click();
      await byId('person-card').waitFor();
    }
    assert.equal(await panel().locator('[data-testid=person-card] [data-testid=card-title]').textContent(), `Bench Person ${i}`);

    // Search.
    await clear();
    await cause(fault);
    const search = byId('search');
    await search.fill(`Bench Person ${i}`);
    if (fault.works) {
      await byId('search-results').waitFor();
    } else {
      await byId('search-error').waitFor();
      assertClear(await byId('search-error').textContent(), `search under ${fault.name}`);
      await clear();
      await search.fill(`Bench Person ${i} `);
      await byId('search-results').waitFor();
    }
    await search.fill('');
    await byId('person-card').waitFor();

    // An inline edit: saved, or refused with the reason beside the field and what was typed
    // kept in the open input (nothing lost), Salesforce's value untouched; once the fault
    // clears, Enter again saves it.
    await clear();
    await cause(fault);
    const row = await editTitle(`Under ${fault.name}`);
    if (fault.works) {
      await waitFor('the new value', shownTitle, (t) => t === `Under ${fault.name}`);
      await waitFor('saved in the org', () => titleOf(i), (t) => t === `Under ${fault.name}`);
    } else {
      await row.locator('[data-testid=field-error]').waitFor();
      assertClear(await row.locator('[data-testid=field-error]').textContent(), `edit under ${fault.name}`);
      const input = row.locator('[data-testid=input-Title]');
      assert.equal(await input.inputValue(), `Under ${fault.name}`, 'what was typed is kept');
      await clear();
      assert.equal(await titleOf(i), 'Buyer', 'nothing half-written');
      await input.fill('After the fault');
      await input.press('Enter');
      await waitFor('saved once the fault cleared', () => titleOf(i), (t) => t === 'After the fault');
      await waitFor('shown', shownTitle, (t) => t === 'After the fault');
    }
    await clear();
  });
});

test('a slow read: the skeleton is still at first and pulses once the read has taken 600 ms', async () => {
  const i = FAULTS.length;
  await clear();
  await control('faults', { latency_ms: 2_000 });
  // The animations of the skeleton and its bones as it is put in (a still skeleton costs the
  // records' frame nothing).
  const frame = browser.page.frames().find((f) => f.url().includes('/plugin/'));
  await frame.evaluate(() => {
    window.skeletonAtFirst = null;
    const seen = new MutationObserver(() => {
      const s = document.querySelector('[data-testid=records-loading]');
      if (!s) return;
      window.skeletonAtFirst = [s, ...s.children].map((e) => getComputedStyle(e).animationName).join(' ');
      seen.disconnect();
    });
    seen.observe(document.body, { childList: true, subtree: true });
  });
  await browser.page.locator(`[data-testid=conversation-item][data-id="cnv_gen_${i}"]`).click();
  await waitFor('the skeleton', () => frame.evaluate(() => window.skeletonAtFirst), (c) => c !== null);
  assert.equal(await frame.evaluate(() => window.skeletonAtFirst), 'none none none none', 'no animation at first');
  await waitFor('the skeleton pulsing', () => byId('records-loading').getAttribute('class').catch(() => ''), (c) => c === 'skeleton slow');
  assert.equal(await byId('records-loading').evaluate((e) => getComputedStyle(e).animationName), 'pulse');
  await byId('person-card').waitFor();
  assert.equal(await byId('records-loading').count(), 0);
  await clear();
});
