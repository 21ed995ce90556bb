// Interop: the real jsforce client (npm, 3.10.16) drives the sandbox org over HTTP, unchanged:
// OAuth web-server flow with PKCE and refresh, query with paging and subqueries, CRUD,
// describe, search, limits, composite, collections and SOAP convertLead.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join, resolve } from 'node:path';
import jsforce from 'jsforce';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CLIENT_ID = 'pane-sandbox-demo-client';
const CLIENT_SECRET = 'pane-sandbox-demo-secret';
const REDIRECT = 'http://127.0.0.1:9999/oauth/callback';

let child;
let base;
let conn;
let refreshed = 0;

before(async () => {
  const bin = process.env.PANE_SANDBOX_BIN || join(ROOT, 'target', 'debug', 'pane-sandbox');
  child = spawn(bin, ['--port', '0', '--memory'], { env: { ...process.env, RUST_LOG: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] });
  base = await new Promise((resolveBase, reject) => {
    const timer = setTimeout(() => reject(new Error('the sandbox org did not start')), 20_000);
    child.once('exit', (code) => reject(new Error(`the sandbox org exited with ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = line.match(/Sandbox org listening at (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolveBase(m[1]);
      }
    });
  });
});

after(() => child?.kill('SIGINT'));

/** An attribute's text as a browser reads it: named and numeric character references decoded. */
function decodeEntities(text) {
  const named = { amp: '&', quot: '"', apos: "'", lt: '<', gt: '>' };
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, ref) => {
    if (ref[0] === '#') return String.fromCodePoint(ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10));
    return named[ref.toLowerCase()] ?? whole;
  });
}

/** Logs in through the org's own page, as a person would, and returns the code. */
async function loginAndAllow(authorizeUrl) {
  const page = await fetch(authorizeUrl);
  assert.equal(page.status, 200);
  const html = await page.text();
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    form.set(m[1], decodeEntities(m[2]));
  }
  form.set('username', 'ana@pane-support.example');
  form.set('password', 'demo-ana-1');
  const res = await fetch(new URL('/services/oauth2/authorize', base), { method: 'POST', body: form, redirect: 'manual' });
  assert.equal(res.status, 303);
  const location = new URL(res.headers.get('location'));
  assert.equal(location.searchParams.get('state'), 'interop-state');
  return location.searchParams.get('code');
}

test('OAuth web-server flow with PKCE', async () => {
  const oauth2 = new jsforce.OAuth2({ loginUrl: base, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: REDIRECT, useVerifier: true });
  const url = oauth2.getAuthorizationUrl({ state: 'interop-state' });
  assert.match(url, /code_challenge=/);
  const code = await loginAndAllow(url);
  conn = new jsforce.Connection({ oauth2, version: '59.0' });
  conn.on('refresh', () => { refreshed += 1; });
  const info = await conn.authorize(code);
  assert.equal(conn.instanceUrl, base);
  assert.ok(conn.accessToken);
  assert.ok(conn.refreshToken);
  assert.ok(info.id.startsWith('005'));
  const identity = await conn.identity();
  assert.equal(identity.username, 'ana@pane-support.example');
});

test('CRUD, describe and limits', async () => {
  const created = await conn.sobject('Lead').create({ LastName: 'Interop', Company: 'jsforce Ltd', Email: 'interop@jsforce.example' });
  assert.equal(created.success, true);
  const lead = await conn.sobject('Lead').retrieve(created.id);
  assert.equal(lead.Name, 'Interop');
  const updated = await conn.sobject('Lead').update({ Id: created.id, Title: 'Tester' });
  assert.equal(updated.success, true);
  assert.equal((await conn.sobject('Lead').retrieve(created.id)).Title, 'Tester');
  const describe = await conn.sobject('Lead').describe();
  assert.equal(describe.name, 'Lead');
  assert.ok(describe.fields.some((f) => f.name === 'Company' && !f.nillable));
  const global = await conn.describeGlobal();
  assert.ok(global.sobjects.some((o) => o.name === 'Contact'));
  const limits = await conn.limits();
  assert.equal(limits.DailyApiRequests.Max, 15000);
  assert.ok(conn.limitInfo.apiUsage.used > 0, 'Sforce-Limit-Info is read by jsforce');
  const destroyed = await conn.sobject('Lead').destroy(created.id);
  assert.equal(destroyed.success, true);
  await assert.rejects(conn.sobject('Lead').retrieve(created.id), (err) => err.errorCode === 'ENTITY_IS_DELETED');
  await assert.rejects(conn.sobject('Lead').create({ LastName: 'No company' }), (err) => err.errorCode === 'REQUIRED_FIELD_MISSING');
});

test('query with paging and subqueries, search', async () => {
  const tasks = Array.from({ length: 250 }, (_, i) => ({ Subject: `Interop task ${String(i).padStart(3, '0')}` }));
  for (const chunk of [tasks.slice(0, 200), tasks.slice(200)]) {
    const results = await conn.sobject('Task').create(chunk, { allOrNone: true });
    assert.ok(results.every((r) => r.success));
  }
  const soql = "SELECT Id, Subject FROM Task WHERE Subject LIKE 'Interop task%' ORDER BY Subject";
  // One page at a time: 200, then the rest through nextRecordsUrl.
  const first = await conn.query(soql, { autoFetch: false, headers: { 'Sforce-Query-Options': 'batchSize=200' } });
  assert.equal(first.totalSize, 250);
  assert.equal(first.done, false);
  assert.equal(first.records.length, 200);
  const second = await conn.queryMore(first.nextRecordsUrl);
  assert.equal(second.done, true);
  assert.equal(second.records.at(-1).Subject, 'Interop task 249');
  // And all at once, jsforce following the pages itself.
  const all = await conn.query(soql).run({ autoFetch: true, maxFetch: 10000 });
  assert.equal(all.records.length, 250);
  assert.equal(all.records.at(-1).Subject, 'Interop task 249');

  const accounts = await conn.query("SELECT Name, (SELECT Name, Email FROM Contacts ORDER BY Name) FROM Account WHERE Name = 'Edge Communications'");
  assert.equal(accounts.records[0].Contacts.records.length, 2);
  assert.equal(accounts.records[0].Contacts.records[0].Name, 'Rose Gonzalez');

  const found = await conn.search('FIND {rose@edge.com} IN EMAIL FIELDS RETURNING Contact(Id, Name)');
  assert.equal(found.searchRecords[0].Name, 'Rose Gonzalez');
});

test('composite and collections', async () => {
  const composite = await conn.request({
    method: 'POST',
    url: '/composite',
    body: JSON.stringify({ allOrNone: true, compositeRequest: [
      { method: 'POST', url: '/services/data/v59.0/sobjects/Account', referenceId: 'acc', body: { Name: 'Interop Account' } },
      { method: 'POST', url: '/services/data/v59.0/sobjects/Contact', referenceId: 'con', body: { LastName: 'Interop', AccountId: '@{acc.id}' } },
    ] }),
    headers: { 'content-type': 'application/json' },
  });
  assert.deepEqual(composite.compositeResponse.map((r) => r.httpStatusCode), [201, 201]);
  const many = await conn.sobject('Account').create([{ Name: 'Interop One' }, { Name: 'Interop Two' }], { allOrNone: true });
  assert.ok(many.every((r) => r.success));
  const retrieved = await conn.sobject('Account').retrieve(many.map((r) => r.id));
  assert.deepEqual(retrieved.map((a) => a.Name), ['Interop One', 'Interop Two']);
  const gone = await conn.sobject('Account').destroy(many.map((r) => r.id));
  assert.ok(gone.every((r) => r.success));
});

test('SOAP convertLead', async () => {
  const lead = await conn.sobject('Lead').create({ FirstName: 'Conv', LastName: 'Ert', Company: 'Convert Co', Email: 'convert@convert.example' });
  const result = await conn.soap.convertLead({ leadId: lead.id, convertedStatus: 'Closed - Converted', doNotCreateOpportunity: true });
  assert.equal(result.success, true);
  assert.ok(result.contactId.startsWith('003'));
  assert.ok(result.accountId.startsWith('001'));
  assert.equal(result.opportunityId, null);
  const again = await conn.soap.convertLead({ leadId: lead.id, convertedStatus: 'Closed - Converted', doNotCreateOpportunity: true });
  assert.equal(again.success, false);
  assert.equal(again.errors.statusCode ?? again.errors[0]?.statusCode, 'CANNOT_UPDATE_CONVERTED_LEAD');
});

test('ids, custom fields, duplicate rules and the allowance', async () => {
  const rose = (await conn.query("SELECT Id, Customer_Tier__c, Account.Support_Plan__c FROM Contact WHERE Email = 'rose@edge.com'")).records[0];
  assert.equal(rose.Id.length, 18);
  assert.equal(rose.Customer_Tier__c, 'Gold');
  assert.equal(rose.Account.Support_Plan__c, 'Premier');
  // A 15-character id is accepted; the answer carries the 18-character one.
  const again = await conn.sobject('Contact').retrieve(rose.Id.slice(0, 15));
  assert.equal(again.Id, rose.Id);
  const tier = (await conn.sobject('Contact').describe()).fields.find((f) => f.name === 'Customer_Tier__c');
  assert.equal(tier.custom, true);
  assert.deepEqual(tier.picklistValues.map((p) => p.value), ['Gold', 'Silver', 'Bronze']);
  await assert.rejects(conn.sobject('Contact').update({ Id: rose.Id, Customer_Tier__c: 'Platinum' }), (err) => err.errorCode === 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
  await assert.rejects(conn.sobject('Contact').create({ LastName: 'Copy', Email: 'rose@edge.com' }), (err) => err.errorCode === 'DUPLICATES_DETECTED');

  await fetch(new URL('/__sandbox/quota', base), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ max: 1, used: 1 }) });
  await assert.rejects(conn.query('SELECT Id FROM Account'), (err) => err.errorCode === 'REQUEST_LIMIT_EXCEEDED');
  await fetch(new URL('/__sandbox/quota', base), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ max: 15000 }) });
});

test('an expired session is refreshed by the client, once', async () => {
  await fetch(new URL('/__sandbox/expire-tokens', base), { method: 'POST' });
  const before = refreshed;
  const count = await conn.query('SELECT COUNT() FROM Contact');
  assert.ok(count.totalSize >= 5);
  assert.equal(refreshed, before + 1);
});
