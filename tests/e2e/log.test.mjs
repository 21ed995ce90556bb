// *Log conversation* (issue 16): from the matched Contact's card, the agent logs the whole open
// conversation (every message the dev inbox lists, in order, with authors and times) as one
// Task; the panel says it is logged, and says so again on a later view of the conversation.
// After a new message, logging again updates the same Task: still one. The proxy's side:
// proxy/tests/it/conversation.rs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ARTIFACTS, panelFrame, sandboxControl, sandboxQuery, signInPopup, startPane, stopPane, waitFor } from './support.mjs';

let proxy, browser, sandbox;

before(async () => {
  ({ proxy, browser, sandbox } = await startPane());
});
after(() => stopPane({ proxy, browser }));

const panel = () => panelFrame(browser.page);
const byId = (id) => panel().locator(`[data-testid="${id}"]`);
const textOf = (id) => byId(id).first().textContent({ timeout: 1_000 }).catch(() => '');
const cardTitle = () => panel().locator('[data-testid=person-card] [data-testid=card-title]').textContent({ timeout: 1_000 }).catch(() => '');

/** The Tasks logged for the dev inbox's conversation `id`, as a script sees the org. */
function conversationTasks(id) {
  return sandboxQuery(sandbox, `SELECT Id, Subject, WhoId, Description FROM Task WHERE Pane_Message_Id__c = 'conv:${id}'`);
}

async function open(caseName, handle) {
  await browser.page.locator('[data-testid=conversation-item]', { hasText: caseName }).click();
  await waitFor(`the panel on ${handle}`, () => byId('lookup-handle').textContent({ timeout: 1_000 }).catch(() => ''), (t) => t === handle);
}

test('the agent logs the whole conversation as one Task, sees it logged, and logs it again after a new message', async () => {
  const { page } = browser;
  await page.goto(`${proxy.url}?refresh_ms=3600000`);
  const [popup] = await Promise.all([browser.context.waitForEvent('page'), byId('link-salesforce').click()]);
  await signInPopup(popup);
  await waitFor('Rose', cardTitle, (t) => t === 'Rose Gonzalez', 20_000);
  const rose = await byId('person-card').getAttribute('data-id');

  // Not logged yet: the action, and no "logged".
  await waitFor('the action', () => textOf('log-conversation'), (t) => t === 'Log conversation');
  assert.equal(await byId('conversation-logged').count(), 0);
  await waitFor('the messages read', () => byId('log-conversation').isEnabled(), (e) => e);
  await byId('log-conversation').click();
  const logged = await waitFor('logged', () => textOf('conversation-logged'), (t) => t.includes('Logged to Salesforce'), 15_000);
  assert.match(logged, /\(3 messages\)/, logged);

  let tasks = await conversationTasks('cnv_known');
  assert.equal(tasks.length, 1, 'one Task');
  assert.equal(tasks[0].Subject, 'Conversation: Invoice 4471 is wrong');
  assert.equal(tasks[0].WhoId, rose);
  assert.equal(await byId('conversation-logged').getAttribute('data-task'), tasks[0].Id);
  const description = tasks[0].Description;
  const order = [
    'Rose Gonzalez <rose@edge.com> · 2026-11-20 09:12 UTC\nHello, our last invoice charges us twice',
    'Pane Support <support@pane-support.example> · 2026-11-20 10:02 UTC\nHi Rose, sorry about that.',
    'Rose Gonzalez <rose@edge.com> · 2026-11-21 08:40 UTC\nThanks! Any news?',
  ].map((part) => description.indexOf(part));
  assert.ok(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1])), `in order: ${description}`);

  // A later view of the conversation shows it logged, without logging it.
  await open('Email from a Lead', 'bertha@fcof.net');
  await open('Email from a known address', 'rose@edge.com');
  await waitFor('still logged', () => textOf('conversation-logged'), (t) => t.includes('Logged to Salesforce'), 15_000);
  assert.equal(await textOf('log-conversation'), 'Log conversation again');

  // A new message arrives; the host lists it the next time the conversation is opened.
  await page.evaluate(async () => {
    const samples = await import(new URL('js/samples.js', document.baseURI).href);
    const c = samples.CONVERSATIONS.find((x) => x.id === 'cnv_known');
    c.messages.push({ ...c.messages[0], date: '2026-11-22T07:30:00Z', body: 'Found it: the second charge is a duplicate.' });
  });
  await open('Email from a Lead', 'bertha@fcof.net');
  await open('Email from a known address', 'rose@edge.com');
  await waitFor('the messages read', async () => (await byId('log-conversation').isEnabled()) && (await textOf('conversation-logged')), (t) => Boolean(t), 15_000);
  await byId('log-conversation').click();
  await waitFor('logged again', () => textOf('conversation-logged'), (t) => t.includes('(4 messages)'), 15_000);
  tasks = await conversationTasks('cnv_known');
  assert.equal(tasks.length, 1, 'still one Task');
  assert.ok(tasks[0].Description.endsWith('Found it: the second charge is a duplicate.'), tasks[0].Description);

  // The panel at 300 px.
  await page.evaluate(() => { document.querySelector('[data-testid=plugin-salesforce]').parentElement.style.width = '300px'; });
  await byId('conversation-logged').scrollIntoViewIfNeeded();
  await page.locator('[data-testid=plugin-salesforce]').screenshot({ path: join(ARTIFACTS, 'log-300.png') });
});

test('a participant chosen before the sender\'s records come: the conversation\'s logged count is still asked', async () => {
  const { page } = browser;
  const countsAsked = [];
  const asked = (r) => { if (r.url().includes('/api/conversations/log?conversation=cnv_group&ids=msg_group_')) countsAsked.push(r.url()); };
  page.on('request', asked);
  // Sean's records were never read (neither the panel nor the proxy has them) and Salesforce is
  // slow: his read is still on its way when the agent chooses Jack, and is dropped.
  await sandboxControl(sandbox, 'faults', { latency_ms: 1_500 });
  try {
    await open('Several senders and CCs', 'sean@edge.com');
    await panel().locator('[data-testid=participants-toggle]').click();
    await panel().locator('[data-testid=participant][data-handle="jrogers@burlington.com"]').click();
    await waitFor('Jack', cardTitle, (t) => t === 'Jack Rogers', 15_000);
    await waitFor('the count asked', () => countsAsked.length, (n) => n === 1, 5_000);
  } finally {
    page.off('request', asked);
    await sandboxControl(sandbox, 'faults', {});
  }
});

test('the same sender in another conversation: its kept view says that conversation is not logged, and this one is', async () => {
  // Rose's view is kept built from her own conversation (logged above). She is in copy of
  // Sean's: chosen there, the same view follows the conversation shown.
  const countsAsked = [];
  const asked = (r) => { if (r.url().includes('/api/conversations/log?conversation=')) countsAsked.push(r.url()); };
  browser.page.on('request', asked);
  await open('Several senders and CCs', 'sean@edge.com');
  await waitFor('the conversation\'s logged count asked', () => countsAsked.length, (n) => n === 1);
  // The count is the conversation's: choosing another of its participants (one never shown
  // before, whose records are read now) does not ask it again.
  await panel().locator('[data-testid=participants-toggle]').click();
  await panel().locator('[data-testid=participant][data-handle="jrogers@burlington.com"]').click();
  await waitFor('Jack', cardTitle, (t) => t === 'Jack Rogers', 15_000);
  await panel().locator('[data-testid=participants-toggle]').click();
  await panel().locator('[data-testid=participant][data-handle="rose@edge.com"]').click();
  await waitFor('Rose', cardTitle, (t) => t === 'Rose Gonzalez', 15_000);
  await waitFor('not logged here', () => textOf('log-conversation'), (t) => t === 'Log conversation', 15_000);
  browser.page.off('request', asked);
  assert.equal(countsAsked.length, 1, `the count asked once: ${countsAsked}`);
  assert.equal(await byId('conversation-logged').count(), 0);
  await open('Email from a known address', 'rose@edge.com');
  await waitFor('logged in her own', () => textOf('conversation-logged'), (t) => t.includes('Logged to Salesforce'), 15_000);
  assert.equal(await textOf('log-conversation'), 'Log conversation again');
});

test('where the host cannot list the conversation\'s messages, the panel still says it is logged', async () => {
  // Rose's conversation was logged above. Listing its messages fails now, as Front's can.
  await browser.page.goto(`${proxy.url}?refresh_ms=3600000&host_fail=listMessages`);
  await open('Email from a known address', 'rose@edge.com');
  await waitFor('Rose', cardTitle, (t) => t === 'Rose Gonzalez', 20_000);
  await waitFor('logged, without the messages', () => textOf('conversation-logged'), (t) => t.includes('Logged to Salesforce'), 15_000);
  assert.equal(await byId('logged-messages').count(), 0, 'no count without the messages');
  await browser.page.goto(`${proxy.url}?refresh_ms=3600000`);
});
