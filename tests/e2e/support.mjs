// Shared helpers of the end-to-end tests: the real proxy binary, and Debian's Chromium driven
// by playwright-core.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const ARTIFACTS = join(ROOT, 'target', 'e2e');
mkdirSync(ARTIFACTS, { recursive: true });

/** Stops `child` with `signal`; resolves with its exit code (0 after a graceful shutdown). */
function stopChild(child, signal) {
  return new Promise((resolveExit) => {
    if (child.exitCode !== null) return resolveExit(child.exitCode);
    child.once('exit', (code) => resolveExit(code));
    child.kill(signal);
  });
}

/**
 * Starts the proxy (embedded sandbox org included) on a free port; resolves once it listens.
 * `extraEnv` is added to its environment (`SSL_CERT_FILE`...).
 */
export async function startProxy(extraArgs = [], extraEnv = {}) {
  const bin = process.env.PANE_PROXY_BIN || join(ROOT, 'target', 'debug', 'pane-proxy');
  const child = spawn(bin, ['--port', '0', '--log-format', 'json', '--sandbox-memory', '--database-url', 'sqlite::memory:', ...extraArgs], {
    cwd: ROOT,
    env: { ...process.env, RUST_LOG: 'info,tower_http=debug', ...extraEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const logs = [];
  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`proxy did not start:\n${logs.join('\n')}`)), 20_000);
    child.once('exit', (code) => reject(new Error(`proxy exited with ${code}:\n${logs.join('\n')}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      logs.push(line);
      try {
        const entry = JSON.parse(line);
        if (entry.fields?.url?.startsWith('http://') && entry.fields?.panel) {
          clearTimeout(timer);
          resolveUrl(entry.fields.url);
        }
      } catch {
        // not a JSON line
      }
    });
  });
  return {
    url,
    logs,
    /** Stops it with SIGTERM and resolves with its exit code (0 after a graceful shutdown). */
    stop: () => stopChild(child, 'SIGTERM'),
  };
}

/**
 * Starts the sandbox org alone (`pane-sandbox --port 0 --memory ...extraArgs`); resolves with
 * its login URL once it prints its banner, its `instance_url` (another host with
 * `--split-hosts`), and a `stop`.
 */
export async function startSandbox(extraArgs = []) {
  const bin = process.env.PANE_SANDBOX_BIN || join(ROOT, 'target', 'debug', 'pane-sandbox');
  const child = spawn(bin, ['--port', '0', '--memory', ...extraArgs], {
    cwd: ROOT,
    env: { ...process.env, RUST_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = [];
  let login;
  let instance;
  const urls = await new Promise((resolveUrls, reject) => {
    const timer = setTimeout(() => reject(new Error(`sandbox org did not start:\n${lines.join('\n')}`)), 20_000);
    child.once('exit', (code) => reject(new Error(`sandbox org exited with ${code}:\n${lines.join('\n')}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      login ??= line.match(/^Sandbox org listening at (\S+)/)?.[1];
      instance ??= line.match(/^\s+instance_url:\s+(\S+)/)?.[1];
      if (/^\s+token URL:/.test(line)) {
        clearTimeout(timer);
        resolveUrls({ login, instance: instance ?? login });
      }
    });
  });
  return {
    ...urls,
    stop: () => stopChild(child, 'SIGINT'),
  };
}

/**
 * The proxy (its embedded sandbox org included, `extraArgs` added to its command line) and a
 * browser (`browserArgs` added to Chromium's), for a test file's `before`:
 * `{ proxy, browser, sandbox }`, `sandbox` the org's base URL (no slash).
 */
export async function startPane(extraArgs = [], browserArgs = []) {
  const proxy = await startProxy(extraArgs);
  try {
    const browser = await launchBrowser(browserArgs);
    const health = await (await fetch(`${proxy.url}api/health`)).json();
    return { proxy, browser, sandbox: health.org_url.replace(/\/$/, '') };
  } catch (err) {
    await proxy.stop();
    throw err;
  }
}

/** Closes what `startPane` started, for a test file's `after`; no page may have thrown. */
export async function stopPane({ proxy, browser }, message = 'no page error') {
  await browser?.close();
  await proxy?.stop();
  assert.deepEqual(browser?.errors ?? [], [], message);
}

/** The records SOQL `q` finds in the sandbox org (`sandbox` its base URL), read as Ana by a script. */
export async function sandboxQuery(sandbox, q) {
  const res = await fetch(`${sandbox}/services/data/v59.0/query?q=${encodeURIComponent(q)}`, { headers: { Authorization: `Bearer ${await sandboxToken(sandbox)}` } });
  return (await res.json()).records;
}

/** The panel's frame in the dev inbox's `page`. */
export const panelFrame = (page) => page.frameLocator('[data-testid=plugin-salesforce]');

/** Opens the cog's field chooser in `panel` (a `panelFrame`) and waits for the describe's fields. */
export async function openFieldChooser(panel) {
  await panel.locator('[data-testid=cog]').click();
  await panel.locator('[data-testid=field-chooser]').waitFor();
  await waitFor('the describe', () => panel.locator('[data-testid=add-field] option').count(), (n) => n > 5);
}

/** Tells the sandbox org's control API (`sandbox` its base URL) something: its JSON answer. */
export async function sandboxControl(sandbox, path, body) {
  const res = await fetch(`${sandbox}/__sandbox/${path}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  assert.ok(res.ok, `${path}: ${res.status}`);
  return res.status === 204 ? null : res.json();
}

/** Headless Debian Chromium with a fresh profile; collects every page error. */
export async function launchBrowser(extraArgs = []) {
  const profile = mkdtempSync(join(tmpdir(), 'pane-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 760 },
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage', ...extraArgs,
    ],
  });
  const errors = [];
  const watch = (page) => page.on('pageerror', (err) => errors.push(`${page.url()}: ${err.message}`));
  context.pages().forEach(watch);
  context.on('page', watch);
  const page = context.pages()[0] || (await context.newPage());
  return {
    context,
    page,
    errors,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Watches the panel's `frame` from the moment its sender (`lookup-handle`) reads `handle`: in
 * each frame in which the panel changed (an animation frame runs before the frame is painted),
 * the number of `selector`'s elements (`what: 'count'`), the first one's text (`'text'`, null
 * when there is none) or its top in pixels (`'top'`, null when there is none). Returns a
 * function that reads what was seen so far.
 */
export async function watchFrames(frame, handle, selector, what) {
  await frame.evaluate(([handle, selector, what]) => {
    const read = {
      count: () => document.querySelectorAll(selector).length,
      text: () => document.querySelector(selector)?.textContent ?? null,
      top: () => document.querySelector(selector)?.getBoundingClientRect().top ?? null,
    }[what];
    const shown = () => document.querySelector('[data-testid=lookup-handle]')?.textContent === handle;
    window.framesSeen = [];
    let asked = false;
    new MutationObserver(() => {
      if (!shown() || asked) return;
      asked = true;
      requestAnimationFrame(() => {
        asked = false;
        window.framesSeen.push(read());
      });
    }).observe(document.body, { childList: true, subtree: true, characterData: true, attributes: true });
  }, [handle, selector, what]);
  return () => frame.evaluate(() => window.framesSeen);
}

/** How many times the dev inbox (`page`) has answered the panel's `listMessages`. */
export function listedMessages(page) {
  return page.locator('[data-testid=bridge-log] li[data-kind=function_result]', { hasText: '"name":"listMessages"' }).count();
}

/** Polls `read` until `check(value)` holds; returns the value. */
export async function waitFor(what, read, check, timeoutMs = 10_000) {
  const start = Date.now();
  let value;
  for (;;) {
    value = await read();
    if (check(value)) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A password-grant token for Ana at the sandbox org `sandbox` (its base URL, no slash). */
export async function sandboxToken(sandbox) {
  const res = await fetch(`${sandbox}/services/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'password', client_id: 'pane-sandbox-demo-client', client_secret: 'pane-sandbox-demo-secret', username: 'ana@pane-support.example', password: 'demo-ana-1' }),
  });
  return (await res.json()).access_token;
}

/**
 * The senders of the dev inbox's `?generated=<n>` conversations (and the people they copy), as
 * Contacts of one Account in the sandbox org.
 */
export async function seedGenerated(sandbox, n) {
  const bearer = { Authorization: `Bearer ${await sandboxToken(sandbox)}`, 'Content-Type': 'application/json' };
  const api = `${sandbox}/services/data/v59.0`;
  const account = await (await fetch(`${api}/sobjects/Account`, { method: 'POST', headers: bearer, body: JSON.stringify({ Name: 'Bench Co', Website: 'www.bench-co.example' }) })).json();
  const people = [];
  for (let i = 0; i < n; i += 1) {
    people.push({ FirstName: 'Bench', LastName: `Person ${i}`, Email: `bench${i}@bench-co.example`, Title: 'Buyer' });
    people.push({ FirstName: 'Bench', LastName: `Copied ${i}`, Email: `bench${i}.cc@bench-co.example` });
  }
  for (let i = 0; i < people.length; i += 200) {
    const records = people.slice(i, i + 200).map((p) => ({ attributes: { type: 'Contact' }, AccountId: account.id, ...p }));
    const res = await fetch(`${api}/composite/sobjects`, { method: 'POST', headers: bearer, body: JSON.stringify({ allOrNone: true, records }) });
    if (!res.ok) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
  }
}

/**
 * Signs in as `user` in a Salesforce login popup, whatever the org shows: the login form, the
 * consent page (signed in there, the app not approved yet), or nothing at all (signed in and
 * approved: Salesforce sends the popup straight back, and it closes). Resolves with what it
 * showed: 'login', 'consent' or 'none'.
 */
export async function signInPopup(popup, user = { username: 'ana@pane-support.example', password: 'demo-ana-1' }) {
  const closed = popup.waitForEvent('close', { timeout: 20_000 }).then(() => 'none');
  const shown = popup.waitForSelector('#allow', { timeout: 20_000 }).then(async () => ((await popup.locator('#username').count()) ? 'login' : 'consent'), () => 'none');
  const what = await Promise.race([closed, shown]);
  if (what === 'login') {
    await popup.fill('#username', user.username);
    await popup.fill('#password', user.password);
  }
  if (what !== 'none') await popup.click('#allow');
  await closed.catch(() => popup.close());
  return what;
}

/** Links Ana through the login page in the popup the panel asks the host to open. */
export async function linkInPanel(page, context) {
  const panel = page.frameLocator('[data-testid=plugin-salesforce]');
  await panel.locator('[data-testid=link-prompt]').waitFor();
  const [popup] = await Promise.all([context.waitForEvent('page'), panel.locator('[data-testid=link-salesforce]').click()]);
  await signInPopup(popup);
  await panel.locator('[data-testid=person-card]').waitFor({ timeout: 20_000 });
}
