// Notes end to end at a 300 px wide pane: the Contact card's Notes (none yet, brought by the
// panel's data without a request of their own), Add note
// refused without its required title and nothing lost, saved (shown from the add's answer,
// read back from the sandbox org as a ContentNote linked to the Contact), opened, and edited
// in place with the pencil.
// Screenshots: target/e2e/notes-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ARTIFACTS, linkInPanel, panelFrame, sandboxQuery, startPane, stopPane, waitFor } from './support.mjs';

let proxy, browser, sandbox;

before(async () => {
  ({ proxy, browser, sandbox } = await startPane());
});
after(() => stopPane({ proxy, browser }));

/** Rows of `q` in the sandbox org, as a script reads them. */
const soql = (q) => sandboxQuery(sandbox, q);

const panel = () => panelFrame(browser.page);
const notes = () => panel().locator('[data-testid=person-card] [data-testid=notes]');
/** Counts the panel's reads of a record's notes (`GET /api/notes`) from now on. */
function countNoteReads() {
  const counter = { count: 0 };
  browser.context.on('request', (r) => {
    if (r.method() === 'GET' && new URL(r.url()).pathname === '/api/notes') counter.count += 1;
  });
  return counter;
}
let noteReads;

const shot = (name) => browser.page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

test('notes on the Contact card: add one (title required), open it, edit it in place', async () => {
  const { page, context } = browser;
  noteReads = countNoteReads();
  await page.goto(`${proxy.url}?refresh_ms=60000`);
  await linkInPanel(page, context);
  // The pane at 300 px (the CSP allows no style tag; the element's own style is set).
  await page.locator('.pane').evaluate((el) => { el.style.width = '300px'; });
  const paneWidth = () => page.locator('.pane').evaluate((el) => Math.round(el.getBoundingClientRect().width));
  await waitFor('the pane 300 px wide (after its transition)', paneWidth, (w) => w === 300);
  const frame = await page.locator('[data-testid=plugin-salesforce]').evaluate((el) => el.getBoundingClientRect().width);
  assert.ok(frame <= 300, `the panel is ${frame} px wide`);
  await waitFor('no notes yet', () => notes().getAttribute('data-count'), (c) => c === '0');
  const accountNotes = panel().locator('[data-testid=account-card] [data-testid=notes]');
  await waitFor("the Account's notes shown", () => accountNotes.getAttribute('data-count'), (c) => c === '0');
  assert.equal(noteReads.count, 0, "the person's and the Account's notes come with the panel's data");

  await notes().locator('[data-testid=add-note]').click();
  await notes().locator('[data-testid=required-mark]').waitFor();
  await notes().locator('[data-testid=note-body]').fill('Asked for <b>pricing</b> & terms\nCall back Monday');
  await notes().locator('[data-testid=save-note]').click();
  // The browser's own check or the panel's: nothing is sent without a title, and the text stays.
  assert.equal(await notes().locator('[data-testid=note-body]').inputValue(), 'Asked for <b>pricing</b> & terms\nCall back Monday');
  await shot('notes-add-300');
  await notes().locator('[data-testid=note-title]').fill('Pricing call');
  await notes().locator('[data-testid=save-note]').click();
  await waitFor('the note listed', () => notes().getAttribute('data-count'), (c) => c === '1');
  assert.equal(noteReads.count, 0, "the note added is shown from the add's answer, not read again");
  const rose = (await soql("SELECT Id FROM Contact WHERE Email = 'rose@edge.com'"))[0].Id;
  const links = await soql(`SELECT ContentDocumentId, ContentDocument.Title FROM ContentDocumentLink WHERE LinkedEntityId = '${rose}'`);
  assert.equal(links.length, 1);
  assert.equal(links[0].ContentDocument.Title, 'Pricing call');

  const row = notes().locator('[data-testid=note]').first();
  assert.equal(await row.locator('[data-testid=note-title-text]').textContent(), 'Pricing call');
  await row.locator('summary').click();
  assert.equal(await row.locator('[data-testid=note-text]').textContent(), 'Asked for <b>pricing</b> & terms Call back Monday');
  await shot('notes-300');

  await row.locator('[data-testid=note-text]').hover();
  await row.locator('[data-testid=note-pencil]').click();
  await row.locator('[data-testid=note-edit-title]').fill('Pricing call, done');
  await shot('notes-edit-300');
  await row.locator('[data-testid=save-note-edit]').click();
  await waitFor('the new title shown', () => row.locator('[data-testid=note-title-text]').textContent(), (t) => t === 'Pricing call, done');
  await waitFor('saved in the sandbox org', async () => (await soql(`SELECT ContentDocumentId, ContentDocument.Title FROM ContentDocumentLink WHERE LinkedEntityId = '${rose}'`))[0].ContentDocument.Title, (t) => t === 'Pricing call, done');
});

test("an Opportunity's notes show once its row is opened, and one is added there", async () => {
  const opportunity = panel().locator('[data-testid=opportunities] [data-testid=related-row]').first();
  assert.equal(await opportunity.locator('[data-testid=notes]').count(), 0, 'not read while the row is closed');
  const before = noteReads.count;
  await opportunity.locator('summary').click();
  const oppNotes = opportunity.locator('[data-testid=notes]');
  await waitFor('its notes read', () => oppNotes.getAttribute('data-count'), (c) => c === '0');
  assert.equal(noteReads.count, before + 1, "an Opportunity's notes are read when its row opens");
  await oppNotes.locator('[data-testid=add-note]').click();
  await oppNotes.locator('[data-testid=note-title]').fill('Renewal terms');
  await oppNotes.locator('[data-testid=save-note]').click();
  await waitFor('the note listed', () => oppNotes.getAttribute('data-count'), (c) => c === '1');
  await shot('notes-opportunity-300');
  const id = await opportunity.getAttribute('data-id');
  const links = await soql(`SELECT ContentDocument.Title FROM ContentDocumentLink WHERE LinkedEntityId = '${id}'`);
  assert.deepEqual(links.map((l) => l.ContentDocument.Title), ['Renewal terms']);
});

test('a note longer than its preview is edited whole: its text read on the pencil, saved uncut', async () => {
  const long = `${'Long story. '.repeat(30)}\n\nThe end of it, well past the preview.`;
  assert.ok(long.length > 255);
  await notes().locator('[data-testid=add-note]').click();
  await notes().locator('[data-testid=note-title]').fill('Long note');
  await notes().locator('[data-testid=note-body]').fill(long);
  await notes().locator('[data-testid=save-note]').click();
  await waitFor('the long note listed', () => notes().getAttribute('data-count'), (c) => c === '2');
  const textReads = { count: 0 };
  browser.context.on('request', (r) => {
    if (r.method() === 'GET' && /^\/api\/notes\/[^/]+\/text$/.test(new URL(r.url()).pathname)) textReads.count += 1;
  });
  const row = () => notes().locator('[data-testid=note]').first();
  assert.equal(await row().locator('[data-testid=note-title-text]').textContent(), 'Long note');
  await row().locator('summary').click();
  await row().locator('[data-testid=note-text]').hover();
  await row().locator('[data-testid=note-pencil]').click();
  const body = () => row().locator('[data-testid=note-edit-body]');
  await waitFor('the whole text to edit', () => body().inputValue(), (v) => v === long);
  assert.equal(textReads.count, 1, 'one read of the text, on the pencil');
  await body().fill(`${long}\nSigned off.`);
  await row().locator('[data-testid=save-note-edit]').click();
  await waitFor('the edit saved', () => row().locator('[data-testid=note-edit]').count(), (n) => n === 0);
  // Read again from Salesforce through the proxy: the whole edited text, not cut at 255.
  // The list re-read shows Salesforce's preview again (the saved text shown until then is whole).
  await waitFor('the list re-read', () => row().locator('[data-testid=note-text]').textContent(), (t) => [...t].length === 255);
  await row().locator('summary').click();
  await row().locator('[data-testid=note-text]').hover();
  await row().locator('[data-testid=note-pencil]').click();
  await waitFor('the saved text, uncut', () => row().locator('[data-testid=note-edit-body]').inputValue(), (v) => v === `${long}\nSigned off.`);
  await shot('notes-long-edit-300');
});
