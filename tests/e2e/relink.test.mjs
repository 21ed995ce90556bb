// Lost grants, as the agent and the admin see them. Salesforce revokes Ana's grant (an admin
// revoking the connected app for her) and her access tokens lapse: the proxy's refresh is
// refused (`invalid_grant`) and answers 401 `relink`. The panel must forget its session and
// show *Link Salesforce* with the reason (not a generic error, not "try again", no records);
// linking again through the popup shows the sender's records. The integration user's refused
// grant pauses rule work; the admin's settings say why, and linking the integration user again
// resumes the job, which ends done (one Task). The proxy's side: proxy/tests/it/lost.rs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ARTIFACTS, sandboxControl, signInPopup, startPane, stopPane, waitFor } from './support.mjs';

const ANA = { username: 'ana@pane-support.example', password: 'demo-ana-1' };

let proxy, browser, sandbox;

before(async () => ({ proxy, browser, sandbox } = await startPane()));
after(() => stopPane({ proxy, browser }));

const panel = () => browser.page.frameLocator('[data-testid=plugin-salesforce]');
const byId = (id) => panel().locator(`[data-testid="${id}"]`);
const textOf = (id) => byId(id).first().textContent({ timeout: 5_000 }).catch(() => '');
const shot = (name) => browser.page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
const cardTitle = () => panel().locator('[data-testid=person-card] [data-testid=card-title]').textContent({ timeout: 1_000 }).catch(() => '');

/** The sandbox org's control API. */
const control = (path, body) => sandboxControl(sandbox, path, body);

/** Salesforce ends every grant Ana gave and lapses every access token: the next call refreshes. */
async function revokeAna() {
  const { revoked } = await control('revoke-user', { username: ANA.username });
  assert.ok(revoked >= 1, `Ana's refresh tokens revoked (${revoked})`);
  await control('expire-tokens', {});
}

/** SOQL as a script sees the org (a fresh password-grant token: untouched by the revocation). */
async function soql(q) {
  const token = await (await fetch(`${sandbox}/services/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'password', client_id: 'pane-sandbox-demo-client', client_secret: 'pane-sandbox-demo-secret', ...ANA }),
  })).json();
  const res = await fetch(`${sandbox}/services/data/v59.0/query?q=${encodeURIComponent(q)}`, { headers: { Authorization: `Bearer ${token.access_token}` } });
  return (await res.json()).records;
}

/** Signs in as Ana in the popup that `button` (in the panel) asks the host to open. */
async function signInThrough(button) {
  const [popup] = await Promise.all([browser.context.waitForEvent('page'), byId(button).click()]);
  return signInPopup(popup, ANA);
}

async function open(caseName, handle) {
  await browser.page.locator('[data-testid=conversation-item]', { hasText: caseName }).click();
  await waitFor(`the panel on ${handle}`, () => byId('lookup-handle').textContent({ timeout: 1_000 }).catch(() => ''), (t) => t === handle);
}

/** The jobs the admin's audit shows, as [state, outcome, text]. */
const jobsShown = () => panel().locator('[data-testid=rule-job]').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-state'), r.getAttribute('data-outcome'), r.textContent]));

/** The jobs in the admin's audit, read again (Refresh). */
async function jobs() {
  await byId('reload-jobs').click();
  return jobsShown();
}

test('Salesforce ends the agent\'s link: the panel asks her to link again, says why, then shows the records', async () => {
  const { page } = browser;
  await page.goto(`${proxy.url}?refresh_ms=3600000`);
  await byId('link-prompt').waitFor();
  assert.equal(await byId('link-reason').count(), 0, 'no reason before any link ended');
  assert.equal(await signInThrough('link-salesforce'), 'login');
  await waitFor('Rose', cardTitle, (t) => t === 'Rose Gonzalez', 20_000);
  assert.equal(await byId('lookup-handle').textContent(), 'rose@edge.com');

  await revokeAna();
  // A new sender: the panel must ask the proxy, whose refresh Salesforce refuses.
  await open('Email from a Lead', 'bertha@fcof.net');
  await byId('link-prompt').waitFor({ timeout: 15_000 });
  await byId('link-reason').waitFor();
  const reason = await textOf('link-reason');
  assert.match(reason, /Salesforce ended this link/, reason);
  assert.match(reason, /Link Salesforce again/, reason);
  assert.doesNotMatch(reason, /try again|could not be read|undefined|\[object/i, reason);
  for (const id of ['records', 'person-card', 'account-card', 'records-error', 'records-loading', 'retry']) {
    assert.equal(await byId(id).count(), 0, `no ${id} beside the link prompt`);
  }
  await byId('link-salesforce').waitFor();
  await shot('panel-relink');

  // She links again in one click: still signed in to Salesforce, she only approves the app
  // again (no password). The sender's records, and no prompt or reason left over.
  assert.equal(await signInThrough('link-salesforce'), 'consent');
  await waitFor('Bertha\'s records', cardTitle, (t) => t === 'Bertha Boxer', 20_000);
  assert.equal(await byId('person-card').getAttribute('data-object'), 'Lead');
  assert.equal(await byId('link-prompt').count(), 0);
  assert.equal(await byId('link-reason').count(), 0);
  // And the sender read before the link ended, again.
  await open('Email from a known address', 'rose@edge.com');
  await waitFor('Rose', cardTitle, (t) => t === 'Rose Gonzalez', 15_000);
});

test('Salesforce ends the integration user\'s link: rule work pauses, Settings say why, relinking resumes it', async () => {
  const { page } = browser;
  // An admin (Ana) links the integration user (Ana too).
  await byId('settings-button').click();
  await byId('org-settings').waitFor();
  await signInThrough('link-integration');
  await waitFor('the integration user', () => textOf('integration'), (t) => t.includes(`Rules act as ${ANA.username}`), 15_000);
  assert.equal(await byId('integration-problem').count(), 0, 'no problem while the link holds');
  await byId('settings-button').click();

  // Salesforce ends Ana's grants (her panel link and the integration link), then a message is
  // sent to Salesforce by a rule.
  await revokeAna();
  await open('Email from a known address', 'rose@edge.com');
  const first = page.locator('[data-testid=message]').first();
  await first.locator('[data-testid=rule-send-to-salesforce]').click();
  await waitFor('queued', () => first.locator('[data-testid=rule-status]').textContent(), (t) => t === 'Queued');

  // Ana's own link went with her grant: at the next sender the panel asks her to link again,
  // and she does.
  await open('Email from an unknown address at a known company', 'tim.barr@burlington.com');
  await byId('link-reason').waitFor({ timeout: 15_000 });
  assert.match(await textOf('link-reason'), /Link Salesforce again/);
  await signInThrough('link-salesforce');
  await byId('domain-hint').waitFor({ timeout: 20_000 });

  // Settings: the job waits, paused with the reason; the admin is told why.
  await byId('settings-button').click();
  await byId('org-settings').waitFor();
  const paused = await waitFor('the paused job', jobs, (j) => j.length === 1 && j[0][0] === 'retry' && j[0][2].includes('refused the integration user\'s link'), 15_000);
  assert.doesNotMatch(paused[0][2], /failed/, 'not dead-lettered');
  await byId('integration-problem').waitFor();
  const problem = await textOf('integration-problem');
  assert.match(problem, /Salesforce refused the integration user's link/, problem);
  assert.match(problem, /links it again in Settings/, problem);
  await shot('panel-integration-problem');

  // The admin links the integration user again: the job resumes at once and ends done, and
  // the settings say so without a Refresh.
  await signInThrough('link-integration');
  await waitFor('the problem gone', () => byId('integration-problem').count(), (n) => n === 0, 15_000);
  const done = await waitFor('the job done', jobsShown, (j) => j.length === 1 && j[0][0] === 'done', 5_000);
  assert.equal(done[0][1], 'logged', JSON.stringify(done));
  assert.match(await textOf('integration'), new RegExp(`Rules act as ${ANA.username}`));
  const tasks = await soql("SELECT Subject FROM Task WHERE Pane_Message_Id__c = 'msg_known_1'");
  assert.equal(tasks.length, 1, JSON.stringify(tasks));
  assert.equal(tasks[0].Subject, 'Email: Invoice 4471 is wrong');

  // Unlinking by choice later shows the prompt without the old reason.
  await byId('unlink').click();
  await byId('link-prompt').waitFor();
  assert.equal(await byId('link-reason').count(), 0, 'no reason left from the ended link');
});
