// The panel as a Standard User sees it. Salesforce lets a user without "View All Data" read
// `OpenActivities`/`ActivityHistories` only through a query on one parent record, with a LIMIT
// of 500 at most, ordered by ActivityDate (ASC open, DESC history) then LastModifiedDate DESC,
// and the sandbox org refuses anything else as Salesforce does. Ben (Standard User, no View All
// Data) links Salesforce in the dev inbox's panel and reads a Contact (by email and by phone)
// and a Lead; each list must hold what the org holds, the panel must show no error, the
// sandbox org's refusal log must stay empty, and Ana (an admin, with View All Data) must see
// exactly the same records, lists and history.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ARTIFACTS, launchBrowser, startProxy, waitFor, signInPopup } from './support.mjs';

const ANA = { username: 'ana@pane-support.example', password: 'demo-ana-1' };
const BEN = { username: 'ben@pane-support.example', password: 'demo-ben-1' };
const LISTS = ['opportunities', 'cases', 'open-activities', 'history'];

let proxy;
let sandbox;
/** Ben's browser, linked as Ben. */
let ben;
const browsers = [];
/** What each agent's panel showed, by agent and sender. */
const shown = { ana: {}, ben: {} };
/** Ids of the demo records the test reads. */
const ids = {};

/** A password-grant token at the sandbox org. */
async function tokenFor({ username, password }) {
  const res = await fetch(`${sandbox}/services/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'password', client_id: 'pane-sandbox-demo-client', client_secret: 'pane-sandbox-demo-secret', username, password }),
  });
  assert.equal(res.status, 200, `a token for ${username}`);
  return (await res.json()).access_token;
}

/** The sandbox org as a script sees it (as Ana unless told): the raw answer to a SOQL query. */
async function query(q, user = ANA) {
  const res = await fetch(`${sandbox}/services/data/v59.0/query?q=${encodeURIComponent(q)}`, { headers: { Authorization: `Bearer ${await tokenFor(user)}` } });
  return { status: res.status, body: await res.json() };
}

async function soql(q) {
  const { status, body } = await query(q);
  assert.equal(status, 200, `${q}: ${JSON.stringify(body)}`);
  return body.records;
}

async function create(object, fields) {
  const res = await fetch(`${sandbox}/services/data/v59.0/sobjects/${object}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${await tokenFor(ANA)}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(fields),
  });
  const body = await res.json();
  assert.equal(res.status, 201, `created ${object}: ${JSON.stringify(body)}`);
  return body.id;
}

/** What a strictness rule of the sandbox org refused since the log was last cleared. */
async function refusals() {
  const res = await fetch(`${sandbox}/__sandbox/refusals`);
  assert.equal(res.status, 200, 'the sandbox org keeps a refusal log');
  return (await res.json()).refusals;
}

async function assertNothingRefused(when) {
  assert.deepEqual(await refusals(), [], `the sandbox org refused none of the proxy's requests (${when})`);
}

before(async () => {
  proxy = await startProxy();
  const health = await (await fetch(`${proxy.url}api/health`)).json();
  sandbox = health.org_url.replace(/\/$/, '');
  const [rose] = await soql("SELECT Id, AccountId FROM Contact WHERE Email = 'rose@edge.com'");
  const [bertha] = await soql("SELECT Id FROM Lead WHERE Email = 'bertha@fcof.net'");
  Object.assign(ids, { rose: rose.Id, edge: rose.AccountId, bertha: bertha.Id });
  // The demo org gives Rose open activities but no history, and Bertha neither: a completed
  // call for Rose, an open Task and a sent email for Bertha.
  await create('Task', { Subject: 'Call: explained invoice 4471', WhoId: ids.rose, WhatId: ids.edge, Status: 'Completed', TaskSubtype: 'Call', Priority: 'Normal', ActivityDate: '2026-11-20' });
  await create('Task', { Subject: 'Send Bertha the order form', WhoId: ids.bertha, Status: 'Not Started', Priority: 'High', ActivityDate: '2026-12-01' });
  await create('Task', { Subject: 'Email: Price list for 40 seats', WhoId: ids.bertha, Status: 'Completed', TaskSubtype: 'Email', Priority: 'Normal', ActivityDate: '2026-11-18' });
});

after(async () => {
  for (const b of browsers) await b.close();
  await proxy?.stop();
  assert.deepEqual(browsers.flatMap((b) => b.errors), [], 'no page error');
});

/** A fresh browser at the dev inbox, linked to Salesforce as `user` through the login popup. */
async function agent(user) {
  const b = await launchBrowser();
  browsers.push(b);
  const { page, context } = b;
  const panel = () => page.frameLocator('[data-testid=plugin-salesforce]');
  await page.goto(`${proxy.url}?refresh_ms=60000`);
  await panel().locator('[data-testid=link-prompt]').waitFor();
  const [popup] = await Promise.all([context.waitForEvent('page'), panel().locator('[data-testid=link-salesforce]').click()]);
  await signInPopup(popup, user);
  await panel().locator('[data-testid=person-card]').waitFor({ timeout: 20_000 });
  return { ...b, panel };
}

async function open(b, caseName, handle) {
  await b.page.locator('[data-testid=conversation-item]', { hasText: caseName }).click();
  await waitFor(`the panel on ${handle}`, () => b.panel().locator('[data-testid=lookup-handle]').textContent().catch(() => ''), (t) => t === handle);
}

/**
 * The sender's records as the panel shows them, once they are painted for `name`: why they
 * matched, the person and Account cards, and each list's count and rows (type, id, title).
 */
async function read(b, name) {
  const records = b.panel().locator('[data-testid=records]');
  await waitFor(`${name}'s records`, () => b.panel().locator('[data-testid=person-card] [data-testid=card-title]').textContent({ timeout: 1_000 }).catch(() => ''), (t) => t === name, 15_000);
  const view = await records.evaluate((root, lists) => {
    const card = (testid) => {
      const el = root.querySelector(`[data-testid=${testid}]`);
      return el && { object: el.dataset.object, id: el.dataset.id, title: el.querySelector('[data-testid=card-title]').textContent };
    };
    const list = (testid) => {
      const el = root.querySelector(`[data-testid=${testid}]`);
      if (!el) return null;
      return {
        count: Number(el.dataset.count),
        rows: [...el.querySelectorAll('[data-testid=related-row]')].map((r) => ({
          object: r.dataset.object, id: r.dataset.id, title: r.querySelector('[data-testid=record-link]').textContent,
        })),
      };
    };
    return {
      reason: root.querySelector('[data-testid=reason]').textContent,
      person: card('person-card'),
      account: card('account-card'),
      lists: Object.fromEntries(lists.map((l) => [l, list(l)])),
    };
  }, LISTS);
  // No error anywhere in the panel: not for the records, not as a notice.
  for (const testid of ['records-error', 'records-quota', 'records-disabled', 'notice', 'stale']) {
    assert.equal(await b.panel().locator(`[data-testid=${testid}]`).count(), 0, `no ${testid} for ${name}: ${await b.panel().locator(`[data-testid=${testid}]`).first().textContent({ timeout: 500 }).catch(() => '')}`);
  }
  return view;
}

const titles = (list) => list.rows.map((r) => r.title);
const idsOf = (list) => list.rows.map((r) => r.id).sort();

/** What the org holds for a Contact or Lead (read as Ana, who may read every activity). */
async function inTheOrg(object, id) {
  const [row] = await soql(`SELECT Id, ${object === 'Contact' ? '(SELECT Id FROM Cases), ' : ''}(SELECT Id, Subject FROM OpenActivities ORDER BY ActivityDate ASC, LastModifiedDate DESC LIMIT 500), (SELECT Id, Subject FROM ActivityHistories ORDER BY ActivityDate DESC, LastModifiedDate DESC LIMIT 500) FROM ${object} WHERE Id = '${id}'`);
  const sub = (key) => (row[key]?.records ?? []).map((r) => r.Id).sort();
  const held = { cases: sub('Cases'), 'open-activities': sub('OpenActivities'), history: sub('ActivityHistories'), opportunities: [] };
  if (object === 'Contact') held.opportunities = (await soql(`SELECT Id FROM Opportunity WHERE AccountId = '${ids.edge}'`)).map((r) => r.Id).sort();
  return held;
}

function assertListsHeld(view, held, who) {
  for (const l of LISTS) {
    assert.equal(view.lists[l].count, held[l].length, `${who}: the ${l} count is what the org holds`);
    assert.deepEqual(idsOf(view.lists[l]), held[l], `${who}: every row of ${l} (the org holds fewer than 10)`);
  }
}

test('the refusal log has teeth: the sandbox org refuses Ben an activity list over several records', async () => {
  const bad = "SELECT Id, (SELECT Id FROM OpenActivities ORDER BY ActivityDate ASC, LastModifiedDate DESC LIMIT 10) FROM Contact WHERE Email = 'rose@edge.com'";
  const refused = await query(bad, BEN);
  assert.equal(refused.status, 400, JSON.stringify(refused.body));
  assert.equal(refused.body[0].errorCode, 'MALFORMED_QUERY');
  assert.match(refused.body[0].message, /single parent record/);
  assert.equal((await query(bad, ANA)).status, 200, 'Ana has View All Data');
  const log = await refusals();
  assert.equal(log.length, 1, JSON.stringify(log));
  assert.equal(log[0].rule, 'soql.activity-single-parent');
  assert.equal((await fetch(`${sandbox}/__sandbox/refusals`, { method: 'DELETE' })).status, 204);
  await assertNothingRefused('after clearing');
});

test('Ben, a Standard User, links Salesforce in the panel', async () => {
  ben = await agent(BEN);
  await ben.panel().locator('[data-testid=settings-button]').click();
  await waitFor('the linked user', () => ben.panel().locator('[data-testid=linked-user]').textContent().catch(() => ''), (t) => t.startsWith('Linked as ben@pane-support.example'));
  await ben.panel().locator('[data-testid=settings-button]').click();
  await ben.panel().locator('[data-testid=records]').waitFor();
  await assertNothingRefused('linking Ben');
});

test('Ben sees a Contact with its Account, Opportunities, Cases, open activities and history', async () => {
  await open(ben, 'Email from a known address', 'rose@edge.com');
  const view = await read(ben, 'Rose Gonzalez');
  await ben.page.screenshot({ path: join(ARTIFACTS, 'panel-standard-user.png') });
  assert.equal(view.reason, 'Matched by email');
  assert.deepEqual(view.person, { object: 'Contact', id: ids.rose, title: 'Rose Gonzalez' });
  assert.deepEqual(view.account, { object: 'Account', id: ids.edge, title: 'Edge Communications' });
  assert.deepEqual(titles(view.lists.opportunities).sort(), ['Edge Emergency Generator', 'Edge Installation']);
  assert.ok(titles(view.lists.cases).some((t) => t.endsWith('Invoice 4471 charged twice')), JSON.stringify(view.lists.cases));
  assert.ok(titles(view.lists['open-activities']).includes('Call Rose back about the invoice'), JSON.stringify(view.lists['open-activities']));
  assert.ok(titles(view.lists.history).includes('Call: explained invoice 4471'), JSON.stringify(view.lists.history));
  for (const l of LISTS) assert.ok(view.lists[l].count >= 1, `${l} is not empty`);
  assertListsHeld(view, await inTheOrg('Contact', ids.rose), 'Ben, Rose by email');
  await assertNothingRefused("Ben's Contact by email");
  shown.ben.rose = view;
});

test('Ben sees the same Contact, lists and history by phone (a search, then the record by id)', async () => {
  await open(ben, 'SMS', '+15127579340');
  const view = await read(ben, 'Rose Gonzalez');
  assert.equal(view.reason, 'Matched by phone');
  assert.deepEqual({ ...view, reason: null }, { ...shown.ben.rose, reason: null });
  await assertNothingRefused("Ben's Contact by phone");
});

test('Ben sees a Lead\'s open activities and history', async () => {
  await open(ben, 'Email from a Lead', 'bertha@fcof.net');
  const view = await read(ben, 'Bertha Boxer');
  assert.equal(view.reason, 'Matched by email');
  assert.deepEqual(view.person, { object: 'Lead', id: ids.bertha, title: 'Bertha Boxer' });
  assert.equal(view.account, null, 'a Lead has no Account');
  assert.deepEqual(titles(view.lists['open-activities']), ['Send Bertha the order form']);
  assert.deepEqual(titles(view.lists.history), ['Email: Price list for 40 seats']);
  assertListsHeld(view, await inTheOrg('Lead', ids.bertha), 'Ben, Bertha');
  await assertNothingRefused("Ben's Lead");
  shown.ben.bertha = view;
});

test('Ana, an admin with View All Data, sees exactly the same records, lists and history', async () => {
  const ana = await agent(ANA);
  await open(ana, 'Email from a known address', 'rose@edge.com');
  shown.ana.rose = await read(ana, 'Rose Gonzalez');
  await open(ana, 'Email from a Lead', 'bertha@fcof.net');
  shown.ana.bertha = await read(ana, 'Bertha Boxer');
  assert.deepEqual(shown.ben.rose, shown.ana.rose, 'Rose: the same for Ben and Ana, row for row, in order');
  assert.deepEqual(shown.ben.bertha, shown.ana.bertha, 'Bertha: the same for Ben and Ana, row for row, in order');
  await assertNothingRefused("Ana's panel");
});
