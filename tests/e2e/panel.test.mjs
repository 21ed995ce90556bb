// The panel end to end, as an agent uses it: link Salesforce, see the sender's records, edit a
// field in place, meet a conflict, create records (refused without a required field), convert
// a Lead, search and pin, pick fields with the cog, change the org's settings, open records in
// Salesforce. Each step reads back what the sandbox org then holds. Screenshots: target/e2e/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ARTIFACTS, listedMessages, openFieldChooser, panelFrame, sandboxControl, sandboxToken, signInPopup, startPane, stopPane, waitFor, watchFrames } from './support.mjs';

let proxy, browser, sandbox;

before(async () => {
  ({ proxy, browser, sandbox } = await startPane());
  if (process.env.PANE_E2E_DEBUG) {
    browser.page.on('request', (r) => { if (r.method() !== 'GET' || r.url().includes('/api/panel')) console.log('REQ', r.method(), r.url(), r.postData()); });
    browser.page.on('response', async (r) => { if (r.request().method() !== 'GET' || r.url().includes('/api/admin/rules')) console.log('RES', r.url(), r.status(), (await r.text()).slice(0, 300)); });
  }
});
after(() => stopPane({ proxy, browser }));

/** The sandbox org as a script sees it: a password-grant token and SOQL. */
async function soql(q) {
  const token = await sandboxToken(sandbox);
  const res = await fetch(`${sandbox}/services/data/v59.0/query?q=${encodeURIComponent(q)}`, { headers: { Authorization: `Bearer ${token}` } });
  return { token, records: (await res.json()).records };
}

const panel = () => panelFrame(browser.page);
const byId = (id) => panel().locator(`[data-testid="${id}"]`);
const textOf = (id) => byId(id).first().textContent({ timeout: 5_000 }).catch(() => '');
const shot = (name) => browser.page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

async function open(caseName) {
  await browser.page.locator('[data-testid=conversation-item]', { hasText: caseName }).click();
}

async function cardField(card, field) {
  return panel().locator(`[data-testid=${card}] [data-testid=field-${field}] .value-text`).textContent();
}

/** Counts the panel's requests to `path` (`/api/me`...) from now on. */
function countRequests(path) {
  const counter = { count: 0 };
  browser.context.on('request', (r) => {
    if (new URL(r.url()).pathname === path) counter.count += 1;
  });
  return counter;
}

test('not linked: the panel offers to link, and the popup links it', async () => {
  const { page, context } = browser;
  const me = countRequests('/api/me');
  const settings = countRequests('/api/settings');
  const health = countRequests('/api/health');
  await page.goto(`${proxy.url}?refresh_ms=60000`);
  await byId('link-prompt').waitFor();
  // Not linked, and the backend's status, from one answer.
  await waitFor('the backend status', () => textOf('backend'), (t) => t === 'Connected to the sandbox org');
  assert.equal(me.count, 1, 'GET /api/me at load');
  assert.equal(health.count, 0, 'the status bar asks nothing of its own at load');
  await shot('panel-not-linked');
  const [popup] = await Promise.all([context.waitForEvent('page'), byId('link-salesforce').click()]);
  assert.equal(await signInPopup(popup), 'login');
  await byId('person-card').waitFor();
  assert.equal(await textOf('reason'), 'Matched by email');
  assert.equal(await panel().locator('[data-testid=person-card] [data-testid=card-title]').textContent(), 'Rose Gonzalez');
  assert.equal(await panel().locator('[data-testid=account-card] [data-testid=card-title]').textContent(), 'Edge Communications');
  for (const list of ['opportunities', 'cases', 'open-activities', 'history']) {
    await byId(list).waitFor();
  }
  await waitFor('field labels from the describe', () => panel().locator('[data-testid=person-card] [data-testid=field-Title] label').textContent(), (t) => t === 'Title');
  await shot('panel-records');
  // Who is signed in is asked once at load (not linked) and once after the link, whose answer
  // the identity keeps: the settings, read after it, are not preceded by another ask.
  await waitFor('the settings', () => settings.count, (n) => n === 1);
  assert.equal(me.count, 2, 'GET /api/me: at load, and once after the link');
});

test('labels come back when the panel was hidden while the describes loaded', async () => {
  const { page, context } = browser;
  // Every describe is held until the pane is collapsed: the panel then aborts it.
  const held = [];
  await context.route('**/api/describe/**', (route) => held.push(route));
  await page.goto(`${proxy.url}?refresh_ms=60000`);
  await byId('person-card').waitFor();
  await waitFor('describes in flight', () => held.length, (n) => n > 0);
  await page.click('[data-testid=collapse]');
  await waitFor('paused', () => byId('panel-active').getAttribute('data-active'), (a) => a === 'false');
  await context.unroute('**/api/describe/**');
  for (const route of held) await route.continue().catch(() => {});
  assert.equal(await panel().locator('[data-testid=person-card] [data-testid=field-MobilePhone] .field-label').textContent(), 'MobilePhone', 'the API name until the describe comes');
  await page.click('[data-testid=collapse]');
  await waitFor('Salesforce\'s labels', () => panel().locator('[data-testid=person-card] [data-testid=field-MobilePhone] .field-label').textContent(), (t) => t === 'Mobile Phone');
  assert.equal(await panel().locator('[data-testid=person-card] [data-testid=field-Phone] .field-label').textContent(), 'Business Phone');
});

test('hover a field, click the pencil, type, Enter: saved in Salesforce', async () => {
  const row = panel().locator('[data-testid=person-card] [data-testid=field-Title]');
  await row.locator('[data-testid=field-value]').hover();
  const pencil = row.locator('[data-testid=pencil]');
  await waitFor('the pencil on hover', () => pencil.evaluate((e) => getComputedStyle(e).visibility), (v) => v === 'visible');
  await pencil.click();
  // Focused at once (a cross-origin frame ignores `autofocus`): the agent can type right away.
  const focused = () => row.locator('[data-testid=input-Title]').evaluate((e) => document.activeElement === e).catch(() => false);
  await waitFor('the input focused', focused, (f) => f, 2_000);
  await row.locator('[data-testid=input-Title]').fill('Chief Buyer');
  await row.locator('[data-testid=input-Title]').press('Enter');
  await waitFor('the new value', () => cardField('person-card', 'Title'), (t) => t === 'Chief Buyer');
  await waitFor('saved in the sandbox org', async () => (await soql("SELECT Title FROM Contact WHERE Email = 'rose@edge.com'")).records[0].Title, (t) => t === 'Chief Buyer');
  // Fields the user may not change show no pencil.
  assert.equal(await panel().locator('[data-testid=person-card] [data-testid=field-Email]').getAttribute('data-editable'), 'true');
  // Escape cancels.
  await row.locator('[data-testid=field-value]').focus();
  await row.locator('[data-testid=field-value]').press('Enter');
  await waitFor('the input focused (keyboard)', focused, (f) => f, 2_000);
  await row.locator('[data-testid=input-Title]').fill('Nope');
  await row.locator('[data-testid=input-Title]').press('Escape');
  assert.equal(await cardField('person-card', 'Title'), 'Chief Buyer');
});

test('an edit opened while the records are read again keeps its input, what was typed and the focus', async () => {
  const { context } = browser;
  const row = panel().locator('[data-testid=person-card] [data-testid=field-Title]');
  const input = row.locator('[data-testid=input-Title]');
  // The records' read after the save is held until the agent has opened the field again and typed.
  const held = [];
  const isPanelRead = (url) => url.pathname === '/api/panel';
  await context.route(isPanelRead, (route) => held.push(route));
  await row.locator('[data-testid=field-value]').hover();
  await row.locator('[data-testid=pencil]').click();
  await input.fill('Buyer in Chief');
  await input.press('Enter');
  await waitFor('saved in the sandbox org', async () => (await soql("SELECT Title FROM Contact WHERE Email = 'rose@edge.com'")).records[0].Title, (t) => t === 'Buyer in Chief');
  await waitFor('the records read again after the save, held', () => held.length, (n) => n >= 1);
  await row.locator('[data-testid=field-value]').focus();
  await row.locator('[data-testid=field-value]').press('Enter');
  const focused = () => input.evaluate((e) => document.activeElement === e).catch(() => false);
  await waitFor('the input focused', focused, (f) => f);
  await input.fill('Head Buy');
  // Meanwhile someone changes the Contact's phone in Salesforce: the read, let through, shows it.
  const { token, records } = await soql("SELECT Id FROM Contact WHERE Email = 'rose@edge.com'");
  const res = await fetch(`${sandbox}/services/data/v59.0/sobjects/Contact/${records[0].Id}`, {
    method: 'PATCH', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ Phone: '(512) 555-0142' }),
  });
  assert.equal(res.status, 204);
  for (const route of held.splice(0)) await route.continue();
  await context.unroute(isPanelRead);
  await waitFor('the records read again shown', () => cardField('person-card', 'Phone'), (t) => t === '(512) 555-0142');
  assert.equal(await row.getAttribute('data-state'), 'editing', 'the input is still open');
  assert.equal(await input.inputValue(), 'Head Buy', 'what was typed is still there');
  assert.equal(await focused(), true, 'the agent can go on typing');
  await input.press('Escape');
  await waitFor('the edit closed', () => row.getAttribute('data-state'), (s) => s === 'viewing');
  assert.equal(await cardField('person-card', 'Title'), 'Buyer in Chief');
  assert.equal((await soql("SELECT Title FROM Contact WHERE Email = 'rose@edge.com'")).records[0].Title, 'Buyer in Chief', 'nothing typed was saved');
});

test('a record changed behind the panel\'s back: the conflict is shown, and mine can win', async () => {
  const { token, records } = await soql("SELECT Id FROM Contact WHERE Email = 'rose@edge.com'");
  // Someone else edits the record in Salesforce (a second later, so it is newer).
  await new Promise((r) => setTimeout(r, 1_100));
  const res = await fetch(`${sandbox}/services/data/v59.0/sobjects/Contact/${records[0].Id}`, {
    method: 'PATCH', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ Title: 'Head of Buying' }),
  });
  assert.equal(res.status, 204);
  const row = panel().locator('[data-testid=person-card] [data-testid=field-Title]');
  await row.locator('[data-testid=field-value]').hover();
  await row.locator('[data-testid=pencil]').click();
  await row.locator('[data-testid=input-Title]').fill('VP Purchasing');
  await row.locator('[data-testid=input-Title]').press('Enter');
  await row.locator('[data-testid=conflict]').waitFor();
  assert.equal(await row.locator('[data-testid=conflict-theirs]').textContent(), 'Head of Buying');
  await shot('panel-conflict');
  await row.locator('[data-testid=conflict-overwrite]').click();
  await waitFor('mine saved', async () => (await soql("SELECT Title FROM Contact WHERE Email = 'rose@edge.com'")).records[0].Title, (t) => t === 'VP Purchasing');
});

test('a record name opens it in Salesforce, through the host', async () => {
  const { page, context } = browser;
  const id = await byId('person-card').getAttribute('data-id');
  const [tab] = await Promise.all([context.waitForEvent('page'), panel().locator('[data-testid=person-card] [data-testid=card-title]').click()]);
  await tab.waitForLoadState();
  assert.equal(tab.url(), `${sandbox}/lightning/r/Contact/${id}/view`);
  const opened = await page.evaluate(() => window.devInbox.openedUrls);
  assert.ok(opened.includes(`${sandbox}/lightning/r/Contact/${id}/view`), JSON.stringify(opened));
  await tab.close();
});

test('a domain match shows the company; an unknown sender gets a Contact, not without a Last Name', async () => {
  await open('Email from an unknown address at a known company');
  await byId('domain-hint').waitFor();
  assert.equal(await panel().locator('[data-testid=account-card] [data-testid=card-title]').textContent(), 'Burlington Textiles Corp of America');

  await open('Email from a totally unknown address');
  await byId('create-person').waitFor();
  assert.equal(await textOf('reason'), 'No match');
  await byId('create-contact').click();
  await byId('create-form').waitFor();
  const last = panel().locator('[data-testid=input-LastName]');
  assert.equal(await last.inputValue(), 'Quint', 'prefilled from the sender');
  assert.equal(await panel().locator('[data-testid=input-Email]').inputValue(), 'zoe@quintessential-kites.example');
  assert.equal(await panel().locator('[data-testid=form-field-LastName] [data-testid=required-mark]').textContent(), '*');
  await last.fill('');
  await byId('save').click();
  await byId('form-problems').waitFor();
  assert.equal(await textOf('form-problems'), 'Fill in or fix: Last Name.', 'fields named by their labels');
  assert.equal(await panel().locator('[data-testid=form-field-LastName] [data-testid=field-error]').textContent(), 'Last Name is required.');
  await shot('panel-create-refused');
  assert.equal((await soql("SELECT Id FROM Contact WHERE Email = 'zoe@quintessential-kites.example'")).records.length, 0, 'nothing saved');
  await last.fill('Quint');
  await byId('save').click();
  await byId('person-card').waitFor();
  assert.equal(await textOf('reason'), 'Matched by email');
  assert.equal((await soql("SELECT LastName FROM Contact WHERE Email = 'zoe@quintessential-kites.example'")).records[0].LastName, 'Quint');
});

test('back to a sender: its records are shown as they were left, a row still opened, nothing built again', async () => {
  const person = () => panel().locator('[data-testid=person-card] [data-testid=card-title]').textContent().catch(() => '');
  await open('Email from a known address');
  await waitFor('Rose', person, (t) => t === 'Rose Gonzalez');
  const row = panel().locator('[data-testid=opportunities] [data-testid=related-row]').first();
  await row.locator('summary').click();
  await waitFor('the row opened', () => row.locator('dl').count(), (n) => n === 1);
  // A mark on the records' element: a view built again would not carry it.
  await byId('records').evaluate((e) => { e.dataset.probe = 'left here'; });
  await open('Email from a Lead');
  await waitFor('Bertha', person, (t) => t.startsWith('Bertha'));
  assert.equal(await byId('records').getAttribute('data-probe'), null, 'another sender, another view');
  await open('Email from a known address');
  await waitFor('Rose again', person, (t) => t === 'Rose Gonzalez');
  assert.equal(await byId('records').getAttribute('data-probe'), 'left here', 'the same view');
  assert.equal(await row.locator('details').getAttribute('open'), '', 'the row still opened');
  assert.equal(await row.locator('dl').count(), 1);
  await row.locator('summary').click();
  await waitFor('the row closed', () => row.locator('dl').count(), (n) => n === 0);
});

test('a view left behind asks the proxy nothing for the next conversation', async () => {
  const person = () => panel().locator('[data-testid=person-card] [data-testid=card-title]').textContent().catch(() => '');
  await open('Email from a known address');
  await waitFor('Rose', person, (t) => t === 'Rose Gonzalez');
  await byId('conversation-log').waitFor();
  await new Promise((r) => setTimeout(r, 500));
  // A sender never read before: the skeleton first, then Jack's own card, which asks once.
  const asked = countRequests('/api/conversations/log');
  await open('Phone call');
  await waitFor('Jack', person, (t) => t === 'Jack Rogers', 15_000);
  await new Promise((r) => setTimeout(r, 1_500));
  assert.equal(asked.count, 1, 'only the card shown asks whether its conversation is logged');
});

test('a conversation passed through on the way to another asks nothing about itself', async () => {
  const person = () => panel().locator('[data-testid=person-card] [data-testid=card-title]').textContent().catch(() => '');
  // Both senders' views are kept (shown before): each is painted within a frame or two.
  await open('Email from a known address');
  await waitFor('Rose', person, (t) => t === 'Rose Gonzalez');
  await open('Phone call');
  await waitFor('Jack', person, (t) => t === 'Jack Rogers', 15_000);
  await new Promise((r) => setTimeout(r, 500));
  // The senders painted from now on, in order (the marks themselves go with each context).
  const plugin = browser.page.frames().find((f) => f.url().includes('/plugin/'));
  await plugin.evaluate(() => {
    window.paintedSenders = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (e.name.startsWith('pane:records ')) window.paintedSenders.push(e.name.slice('pane:records '.length));
    }).observe({ type: 'mark' });
  });
  const asked = [];
  const onRequest = (r) => {
    const url = new URL(r.url());
    if ((url.pathname === '/api/conversations/log' && r.method() === 'GET') || url.pathname === '/api/rules/logged') asked.push(`${url.pathname}${url.search}`);
  };
  browser.context.on('request', onRequest);
  try {
    // The agent goes down the list: Rose's conversation, and 50 ms later the phone call (the
    // inbox's own clicks, with no round trip through the test between them).
    await browser.page.evaluate(() => {
      const item = (id) => document.querySelector(`[data-testid=conversation-item][data-id="${id}"]`);
      item('cnv_known').click();
      setTimeout(() => item('cnv_call').click(), 50);
    });
    await waitFor('Rose painted, then Jack', () => plugin.evaluate(() => window.paintedSenders.join(' ')), (p) => p === 'rose@edge.com +13362227000', 15_000);
    await waitFor('the phone call\'s log status asked', () => asked.filter((u) => u.includes('conversation=cnv_call')).length, (n) => n >= 1);
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    browser.context.off('request', onRequest);
  }
  // Its log and its messages' logged count in one request.
  assert.deepEqual(asked.map((u) => u.replace(/&$/, '')), ['/api/conversations/log?conversation=cnv_call&ids=msg_call_1'], 'the phone call\'s status, once');
  assert.deepEqual(asked.filter((u) => u.includes('cnv_known') || u.includes('msg_known')), [], `Rose's conversation was passed through: ${asked}`);
});

test('a panel hidden before a conversation\'s status was asked asks it once shown again', async () => {
  const person = () => panel().locator('[data-testid=person-card] [data-testid=card-title]').textContent().catch(() => '');
  await open('Phone call');
  await waitFor('Jack', person, (t) => t === 'Jack Rogers', 15_000);
  await new Promise((r) => setTimeout(r, 500));
  const asked = [];
  const onRequest = (r) => {
    const url = new URL(r.url());
    if ((url.pathname === '/api/conversations/log' && r.method() === 'GET') || url.pathname === '/api/rules/logged') asked.push(`${url.pathname}${url.search}`);
  };
  browser.context.on('request', onRequest);
  const active = () => panel().locator('[data-testid=panel-active]').getAttribute('data-active');
  try {
    // Rose's conversation, and the pane collapsed 30 ms later: before the panel asks for its
    // status (it waits for the agent to stay a moment).
    await browser.page.evaluate(() => {
      document.querySelector('[data-testid=conversation-item][data-id="cnv_known"]').click();
      setTimeout(() => document.querySelector('[data-testid=collapse]').click(), 30);
    });
    await waitFor('paused', active, (a) => a === 'false');
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(asked, [], 'nothing asked while hidden');
    await browser.page.click('[data-testid=collapse]');
    await waitFor('Rose\'s conversation\'s status (its log and its messages\' logged count) asked once shown', () => asked.filter((u) => u.includes('conversation=cnv_known') && u.includes('ids=msg_known_1')).length, (n) => n >= 1, 5_000);
  } finally {
    browser.context.off('request', onRequest);
  }
});

test('a notice stays with the sender it was said about, not the next conversation', async () => {
  await open('Email from a known address');
  await waitFor('Rose', () => panel().locator('[data-testid=person-card] [data-testid=card-title]').textContent().catch(() => ''), (t) => t === 'Rose Gonzalez');
  await byId('log-call').click();
  await byId('create-form').waitFor();
  await panel().locator('[data-testid=input-Subject]').fill('Called about the notice');
  await byId('save').click();
  await waitFor('the notice', () => textOf('notice'), (t) => t.includes('Task created.'));
  await open('Email from an unknown address at a known company');
  await byId('domain-hint').waitFor();
  assert.equal(await byId('notice').count(), 0, 'not above another sender\'s records');
  await open('Email from a known address');
  await waitFor('the notice, back on its own sender', () => textOf('notice'), (t) => t.includes('Task created.'));
});

test('a Lead converts into a Contact with an Account and an Opportunity', async () => {
  await open('Email from a Lead');
  await waitFor('the Lead', () => byId('person-card').getAttribute('data-object'), (o) => o === 'Lead');
  await byId('convert-lead').click();
  await byId('convert-form').waitFor();
  await waitFor('converted statuses', () => panel().locator('[data-testid=convert-status] option').count(), (n) => n > 0);
  assert.equal(await panel().locator('[data-testid=convert-status]').inputValue(), 'Closed - Converted');
  await byId('convert-new-account').check();
  await byId('convert-with-opportunity').check();
  await byId('convert-opportunity-name').fill('Co-op 40 seats');
  await shot('panel-convert');
  await byId('convert').click();
  await waitFor('the new Contact', () => byId('person-card').getAttribute('data-object').catch(() => ''), (o) => o === 'Contact');
  const lead = (await soql("SELECT IsConverted, ConvertedContactId FROM Lead WHERE Email = 'bertha@fcof.net'")).records[0];
  assert.equal(lead.IsConverted, true);
  assert.equal(lead.ConvertedContactId, await byId('person-card').getAttribute('data-id'));
  const opp = (await soql("SELECT Name FROM Opportunity WHERE Name = 'Co-op 40 seats'")).records;
  assert.equal(opp.length, 1);
});

test('logging a call and creating a Case link them to the sender', async () => {
  await open('Email from a known address');
  await byId('person-card').waitFor();
  const contact = await byId('person-card').getAttribute('data-id');
  await byId('log-call').click();
  await byId('create-form').waitFor();
  await panel().locator('[data-testid=input-Subject]').fill('Called about invoice 4471');
  await byId('save').click();
  await byId('person-card').waitFor();
  const tasks = (await soql(`SELECT Subject, Status, WhoId FROM Task WHERE WhoId = '${contact}'`)).records;
  assert.ok(tasks.some((t) => t.Subject === 'Called about invoice 4471' && t.Status === 'Completed'), JSON.stringify(tasks));
  await waitFor('the call in the history', () => byId('history').textContent(), (t) => t.includes('Called about invoice 4471'));

  await byId('new-Case').click();
  await byId('create-form').waitFor();
  await panel().locator('[data-testid=input-Subject]').fill('Invoice 4471 charged twice');
  await byId('save').click();
  await byId('person-card').waitFor();
  const cases = (await soql(`SELECT Subject, ContactId FROM Case WHERE ContactId = '${contact}'`)).records;
  assert.ok(cases.some((c) => c.Subject === 'Invoice 4471 charged twice'), JSON.stringify(cases));
});

test('search Salesforce, choose a result: shown for this sender, for the whole team', async () => {
  await open('Email from a totally unknown address');
  await byId('person-card').waitFor();
  const search = byId('search');
  await search.fill('Jack Rog');
  await byId('search-results').waitFor();
  await shot('panel-search');
  await panel().locator('[data-testid=search-result][data-object=Contact]').first().click();
  await waitFor('the pinned record', () => textOf('reason'), (t) => t.startsWith('Chosen for this sender'));
  assert.equal(await panel().locator('[data-testid=person-card] [data-testid=card-title]').textContent(), 'Jack Rogers');
  await byId('unpin').click();
  await waitFor('matching again', () => textOf('reason'), (t) => t === 'Matched by email');
});

test('a search result chosen after the inbox opened another conversation is pinned for the one searched in', async () => {
  await open('Email from a totally unknown address');
  await waitFor('Zoe', () => textOf('reason'), (t) => t === 'Matched by email');
  await byId('search').fill('Jack Rog');
  await byId('search-results').waitFor();
  // The inbox opens another conversation while the agent looks at the results.
  await open('Email from an unknown address at a known company');
  const frame = browser.page.frames().find((f) => f.url().includes('/plugin/'));
  await waitFor('the new conversation in the panel', () => frame.evaluate(() => performance.getEntriesByName('pane:handle tim.barr@burlington.com', 'mark').length), (n) => n > 0);
  await panel().locator('[data-testid=search-result][data-object=Contact]').first().click();
  await waitFor('where the choice went', () => textOf('notice'), (t) => t.includes('Chosen for zoe@quintessential-kites.example'));
  await open('Email from a totally unknown address');
  await waitFor('pinned for the conversation searched in', () => textOf('reason'), (t) => t.startsWith('Chosen for this sender'));
  assert.equal(await panel().locator('[data-testid=person-card] [data-testid=card-title]').textContent(), 'Jack Rogers');
  await open('Email from an unknown address at a known company');
  await byId('domain-hint').waitFor();
  assert.equal(await textOf('reason'), "Matched by the email's domain", 'the conversation opened meanwhile keeps its match');
  await open('Email from a totally unknown address');
  await byId('unpin').click();
  await waitFor('matching again', () => textOf('reason'), (t) => t === 'Matched by email');
});

test('the cog picks the fields shown, custom fields included', async () => {
  await open('Email from a known address');
  await byId('person-card').waitFor();
  await openFieldChooser(panel());
  await byId('add-field').selectOption('Department');
  await byId('save-fields').click();
  await waitFor('saved', () => textOf('chooser-status'), (t) => t === 'Saved.');
  await shot('panel-fields');
  await byId('cog').click();
  await panel().locator('[data-testid=person-card] [data-testid=field-Department]').waitFor();
});

test('admins change the org settings: an extra mandatory field is then required', async () => {
  await byId('settings-button').click();
  await byId('org-settings').waitFor();
  await waitFor('the usage', () => textOf('usage'), (t) => t.includes('requests by Salesforce Pane today'));
  await byId('mandatory-Contact').fill('Title');
  await byId('save-settings').click();
  await waitFor('saved', () => textOf('settings-status'), (t) => t === 'Settings saved.');
  await shot('panel-settings');
  await byId('settings-button').click();
  await open('Email from an unknown address at a known company');
  await byId('create-contact').click();
  await byId('create-form').waitFor();
  await panel().locator('[data-testid=form-field-Title] [data-testid=required-mark]').waitFor();
  await byId('save').click();
  await waitFor('Title required', () => textOf('form-problems'), (t) => t.includes('Title'));
  await byId('cancel').click();
});

test('a lookup field is filled by searching: a new Opportunity for another Account', async () => {
  await open('Email from a known address');
  await byId('person-card').waitFor();
  await byId('new-Opportunity').click();
  await byId('create-form').waitFor();
  await panel().locator('[data-testid=input-Name]').fill('Burlington pilot');
  const account = panel().locator('[data-testid=form-field-AccountId]');
  assert.equal(await account.locator('[data-testid=lookup-chosen]').textContent(), 'Edge Communications change', 'the sender\'s Account, prefilled, by name');
  await account.locator('[data-testid=input-AccountId]').fill('Burlington');
  await account.locator('[data-testid=lookup-result]').first().click();
  assert.match(await account.locator('[data-testid=lookup-chosen]').textContent(), /Burlington Textiles/);
  await shot('panel-create-opportunity');
  await byId('save').click();
  await byId('person-card').waitFor();
  const opp = (await soql("SELECT Account.Name FROM Opportunity WHERE Name = 'Burlington pilot'")).records;
  assert.equal(opp[0]?.Account?.Name, 'Burlington Textiles Corp of America', JSON.stringify(opp));
});

test('the dev inbox\'s rules: an admin links the integration user, a message is sent to Salesforce', async () => {
  const { page, context } = browser;
  await byId('settings-button').click();
  await byId('org-settings').waitFor();
  const [popup] = await Promise.all([context.waitForEvent('page'), byId('link-integration').click()]);
  // Signed in to Salesforce and the app approved: the popup comes straight back.
  assert.equal(await signInPopup(popup), 'none');
  await waitFor('the integration user', () => byId('integration').textContent(), (t) => t.includes('Rules act as ana@pane-support.example'), 15_000);
  // The org's own intake URL and secret, shown on asking; a rotation makes a new secret and
  // keeps the previous one for a day.
  const urls = await panel().locator('[data-testid=rule-intake-url]').allTextContents();
  assert.match(urls[0], /\/api\/rules\/in_[0-9a-f]{32}\/send-to-salesforce$/, JSON.stringify(urls));
  assert.equal(await textOf('rule-intake-secret'), '••••••••');
  await byId('show-rule-secret').click();
  const secret = await textOf('rule-intake-secret');
  await byId('rotate-rule-secret').click();
  await waitFor('the new secret', () => textOf('rule-intake-secret'), (t) => t !== secret && t !== '••••••••');
  assert.equal(await textOf('rule-intake-grace'), 'The previous secret is accepted for 23 more hours.');
  await byId('settings-button').click();

  await open('Email from a known address');
  const first = page.locator('[data-testid=message]').first();
  await first.locator('[data-testid=rule-send-to-salesforce]').click();
  await waitFor('queued', () => first.locator('[data-testid=rule-status]').textContent(), (t) => t === 'Queued');
  await first.locator('[data-testid=rule-create-lead]').click();
  await waitFor('queued', () => first.locator('[data-testid=rule-status]').textContent(), (t) => t === 'Queued');

  await byId('settings-button').click();
  await waitFor('the jobs in the audit', async () => {
    await byId('reload-jobs').click();
    return panel().locator('[data-testid=rule-job]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-outcome')));
  }, (outcomes) => outcomes.includes('logged') && outcomes.includes('existed'), 15_000);
  await shot('panel-rules-audit');
  await byId('settings-button').click();
  const tasks = (await soql("SELECT Subject, Status FROM Task WHERE Pane_Message_Id__c = 'msg_known_1'")).records;
  assert.equal(tasks.length, 1);
  assert.equal(tasks[0].Subject, 'Email: Invoice 4471 is wrong');
  await waitFor('the logged mark', () => textOf('logged-messages'), (t) => t === '✓ 1 of 3 logged');
  assert.equal(await byId('logged-messages').getAttribute('title'), "1 of this conversation's 3 messages logged to Salesforce");

  // The count matters less than the records: it is asked once they are painted, even where the
  // host lists the messages at once (as the dev inbox does) and Salesforce answers late.
  await sandboxControl(sandbox, 'faults', { latency_ms: 400 });
  await page.goto(`${proxy.url}?refresh_ms=60000`);
  await waitFor('the logged mark', () => textOf('logged-messages'), (t) => t === '✓ 1 of 3 logged', 15_000);
  await sandboxControl(sandbox, 'faults', {});
  const plugin = page.frames().find((f) => f.url().includes('/plugin/'));
  // (A request's timing is listed once its response is complete.)
  const [answered, asked] = await waitFor('both requests complete', () => plugin.evaluate(() => {
    const first = (path) => performance.getEntriesByType('resource').find((r) => r.name.includes(path));
    return [first('/api/panel?')?.responseEnd ?? null, first('/api/conversations/log?')?.startTime ?? null];
  }), ([a, b]) => a !== null && b !== null);
  assert.ok(asked > answered, `the count asked (${asked} ms) after the records came (${answered} ms)`);

  // Opened again while the host lists its messages again (after 400 ms here, as Front may: it
  // asks its servers), the conversation shows its count from its first frame: the line does not
  // go and come back.
  await page.goto(`${proxy.url}?refresh_ms=60000&host_delay_ms=400`);
  await open('Email from a known address');
  await waitFor('the logged mark', () => textOf('logged-messages'), (t) => t === '✓ 1 of 3 logged');
  await open('Phone call');
  await waitFor('the other conversation', () => textOf('lookup-handle'), (t) => t === '+13362227000');
  const frame = page.frames().find((f) => f.url().includes('/plugin/'));
  // Once the sender is shown: the count line in each frame in which the panel changed.
  const framesSeen = await watchFrames(frame, 'rose@edge.com', '[data-testid=logged-messages]', 'text');
  const listed = () => listedMessages(page);
  const listedBefore = await listed();
  await open('Email from a known address');
  await waitFor('the first frame', async () => (await framesSeen()).length, (n) => n > 0);
  await waitFor('the host answered', listed, (n) => n > listedBefore);
  // The count asked again (one proxy request) is the same.
  await new Promise((done) => setTimeout(done, 500));
  const seen = await framesSeen();
  assert.ok(seen.every((t) => t === '✓ 1 of 3 logged'), `the count in every frame: ${JSON.stringify(seen)}`);
});

/** Turns the integration on or off in the org's settings, saves, and closes the settings. */
async function setIntegration(enabled) {
  await byId('settings-button').click();
  await byId('org-settings').waitFor();
  await byId('integration-enabled').setChecked(enabled);
  await byId('save-settings').click();
  await waitFor('saved', () => textOf('settings-status'), (t) => t === 'Settings saved.');
  await byId('settings-button').click();
}

test('an admin turns the integration off: the panel says so; on again: records again', async () => {
  await setIntegration(false);
  await open('Phone call');
  await byId('records-disabled').waitFor();
  await setIntegration(true);
  await open('Email from a known address');
  await byId('person-card').waitFor();
});

test('at the quota\'s last reserve a new sender is not read, and the panel says why (dark mode)', async () => {
  assert.equal(await sandboxControl(sandbox, 'quota', { max: 1000, used: 999 }), null, 'answered 204');
  // One more answer from Salesforce tells the proxy how little is left.
  await open('SMS');
  await waitFor('the SMS sender', () => textOf('lookup-handle'), (t) => t === '+15127579340');
  await open('Email from a totally unknown address');
  await byId('records-quota').waitFor({ timeout: 10_000 }).catch(async () => {
    // The SMS answer may have been the one that crossed the line: a next new sender is refused.
    await open('Several senders and CCs');
    await byId('records-quota').waitFor();
  });
  assert.match(await textOf('records-quota'), /allowance/);
  await browser.page.emulateMedia({ colorScheme: 'dark' });
  await shot('panel-quota-dark');
  await browser.page.emulateMedia({ colorScheme: 'light' });
});
