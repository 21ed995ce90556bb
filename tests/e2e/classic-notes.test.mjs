// Classic notes end to end at a 300 px wide pane, in an org without enhanced notes (the
// sandbox's `/__sandbox/notes {"enhanced": false}`): the Contact's classic Notes (Note, 002)
// listed from the panel's data, one added (shown from the add's answer: no read of the notes)
// and edited in place, each read back from the sandbox org as a Note on the Contact.
// Screenshot: target/e2e/notes-classic-300.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ARTIFACTS, linkInPanel, panelFrame, sandboxControl, sandboxQuery, sandboxToken, startPane, stopPane, waitFor } from './support.mjs';

let proxy, browser, sandbox;

before(async () => {
  ({ proxy, browser, sandbox } = await startPane());
  await sandboxControl(sandbox, 'notes', { enhanced: false });
});
after(() => stopPane({ proxy, browser }));

const soql = (q) => sandboxQuery(sandbox, q);
const panel = () => panelFrame(browser.page);
const notes = () => panel().locator('[data-testid=person-card] [data-testid=notes]');
const shot = (name) => browser.page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

/** Makes a classic Note on `parent` in the sandbox org, as a script does: its id. */
async function classicNote(parent, title, body) {
  const res = await fetch(`${sandbox}/services/data/v59.0/sobjects/Note`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${await sandboxToken(sandbox)}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ ParentId: parent, Title: title, Body: body }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()).id;
}

test("the Contact's classic notes are listed, one is added without a re-read and edited in place", async () => {
  const { page, context } = browser;
  const rose = (await soql("SELECT Id FROM Contact WHERE Email = 'rose@edge.com'"))[0].Id;
  const existing = await classicNote(rose, 'Kickoff call', 'Met the team.\nNext: pricing.');
  assert.ok(existing.startsWith('002'), existing);

  const noteReads = { count: 0 };
  context.on('request', (r) => {
    if (r.method() === 'GET' && new URL(r.url()).pathname === '/api/notes') noteReads.count += 1;
  });
  await page.goto(`${proxy.url}?refresh_ms=60000`);
  await linkInPanel(page, context);
  await page.locator('.pane').evaluate((el) => { el.style.width = '300px'; });
  const paneWidth = () => page.locator('.pane').evaluate((el) => Math.round(el.getBoundingClientRect().width));
  await waitFor('the pane 300 px wide (after its transition)', paneWidth, (w) => w === 300);

  await waitFor('the classic note listed', () => notes().getAttribute('data-count'), (c) => c === '1');
  assert.equal(await notes().locator('[data-testid=notes-unavailable]').count(), 0, 'notes are available');
  const first = notes().locator('[data-testid=note]').first();
  assert.equal(await first.getAttribute('data-id'), existing);
  assert.equal(await first.locator('[data-testid=note-title-text]').textContent(), 'Kickoff call');
  assert.equal(noteReads.count, 0, 'the notes come with the panel data');

  await notes().locator('[data-testid=add-note]').click();
  assert.equal(await notes().locator('[data-testid=note-title]').getAttribute('maxlength'), '80', "a classic note's title");
  await notes().locator('[data-testid=note-title]').fill('Pricing call');
  await notes().locator('[data-testid=note-body]').fill('Asked for <b>pricing</b> & terms\nCall back Monday');
  await notes().locator('[data-testid=save-note]').click();
  await waitFor('the note added', () => notes().getAttribute('data-count'), (c) => c === '2');
  const added = notes().locator('[data-testid=note]').first();
  assert.equal(await added.locator('[data-testid=note-title-text]').textContent(), 'Pricing call');
  assert.equal(noteReads.count, 0, "shown from the add's answer: no GET /api/notes");
  const made = await soql(`SELECT Id, Title, Body FROM Note WHERE ParentId = '${rose}' ORDER BY CreatedDate DESC`);
  assert.equal(made.length, 2);
  assert.equal(made[0].Title, 'Pricing call');
  assert.equal(made[0].Body, 'Asked for <b>pricing</b> & terms\nCall back Monday', 'plain text, as typed');
  assert.equal(await added.getAttribute('data-id'), made[0].Id);

  await added.locator('summary').click();
  assert.equal(await added.locator('[data-testid=note-text]').textContent(), 'Asked for <b>pricing</b> & terms Call back Monday');
  await added.locator('[data-testid=note-text]').hover();
  await added.locator('[data-testid=note-pencil]').click();
  const body = () => added.locator('[data-testid=note-edit-body]');
  await waitFor('the whole text to edit', () => body().inputValue(), (v) => v === 'Asked for <b>pricing</b> & terms\nCall back Monday');
  await added.locator('[data-testid=note-edit-title]').fill('Pricing call, done');
  await body().fill('Sent the quote.\nWaiting for sign-off.');
  await shot('notes-classic-300');
  await added.locator('[data-testid=save-note-edit]').click();
  await waitFor('the new title shown', () => notes().locator('[data-testid=note]').first().locator('[data-testid=note-title-text]').textContent(), (t) => t === 'Pricing call, done');
  await waitFor('saved in the sandbox org', async () => (await soql(`SELECT Title, Body FROM Note WHERE Id = '${made[0].Id}'`))[0], (n) => n.Title === 'Pricing call, done' && n.Body === 'Sent the quote.\nWaiting for sign-off.');
});
