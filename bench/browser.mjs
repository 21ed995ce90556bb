// The panel measured in headless Chromium, as an agent uses it in the dev inbox: Salesforce
// requests per conversation opened, time from the host's context to the records painted (the
// panel's performance marks), pencil to input focused, search, first paint, bundle bytes and
// memory after 1,000 conversation switches. Run by scripts/bench (release builds); writes JSON.
//
//   node bench/browser.mjs bench/results/browser.json
import { readFileSync, readdirSync, writeFileSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { cpus, totalmem } from 'node:os';
import { ROOT, launchBrowser, linkInPanel, seedGenerated, startProxy, waitFor } from '../tests/e2e/support.mjs';

const OUT = process.argv[2] || join(ROOT, 'bench', 'results', 'browser.json');
const RUNS = Number(process.env.BENCH_RUNS || 5);
const SAMPLES = Number(process.env.BENCH_SAMPLES || 12); // per run, latency and cache state
const SWITCHES = Number(process.env.BENCH_SWITCHES || 1_000);
// The timed switches start this long after the previous paint, as an agent reads the records
// before opening the next conversation: what the panel does after a paint is over (it asks for
// the conversation's status 150 ms after it, `marks::SETTLE`, and paints the answer) and its
// frames have stopped. One more warm switch per sample is made back to back, as with a key
// held down in the inbox's list.
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 300);
const GENERATED = Math.max(1_200, SWITCHES / 2 + 400);
// BENCH_ONLY=memory measures memory alone (e.g. with BENCH_SWITCHES=4000, to see it level off);
// BENCH_ONLY=render only context → records painted and its hops (latency 0 and 150 ms).
const ONLY = process.env.BENCH_ONLY;
const RENDER_ONLY = ONLY === 'render';

const proxy = await startProxy();
const health = await (await fetch(`${proxy.url}api/health`)).json();
const sandbox = health.org_url.replace(/\/$/, '');
const browser = await launchBrowser(['--enable-precise-memory-info', '--js-flags=--expose-gc']);
const { page, context } = browser;
// The wasm instance's exports (its memory among them), as Trunk's loader announces them.
await context.addInitScript(() => {
  addEventListener('TrunkApplicationStarted', (e) => { window.__paneWasm = e.detail.wasm; });
});

// ---- the sandbox org ------------------------------------------------------------------------
const control = (path, body) => fetch(`${sandbox}/__sandbox/${path}`, {
  method: body ? 'POST' : 'GET', headers: { 'Content-Type': 'application/json' }, body: body && JSON.stringify(body),
});
const salesforceRequests = async () => (await (await control('requests')).json()).count;
const setLatency = (ms) => control('faults', { latency_ms: ms });

// ---- the dev inbox and the panel ------------------------------------------------------------
const frame = () => page.frames().find((f) => f.url().includes('/plugin/'));
const panel = () => page.frameLocator('[data-testid=plugin-salesforce]');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sender = (i) => `bench${i}@bench-co.example`;
let nextSender = 0;
const fresh = () => { nextSender += 1; return nextSender - 1; };

async function openConversation(id) {
  await page.locator(`[data-testid=conversation-item][data-id="${id}"]`).click();
}
const openGenerated = (i) => openConversation(`cnv_gen_${i}`);

/** ms from the context mark to the records mark for `handle`, once painted. One call into the
 *  panel's frame, which waits there for the mark (a PerformanceObserver): polling from here
 *  would run in the panel's main thread while it is being timed. */
async function renderTime(handle) {
  const ms = await frame().evaluate((h) => new Promise((resolve) => {
    const painted = () => {
      const ctx = performance.getEntriesByType('mark').find((m) => m.name.startsWith('pane:context '));
      const records = performance.getEntriesByName(`pane:records ${h}`, 'mark')[0];
      return ctx && records ? records.startTime - ctx.startTime : null;
    };
    const now = painted();
    if (now !== null) { resolve(now); return; }
    const observer = new PerformanceObserver(() => {
      const ms = painted();
      if (ms !== null) { observer.disconnect(); resolve(ms); }
    });
    observer.observe({ type: 'mark' });
    setTimeout(() => { observer.disconnect(); resolve(null); }, 20_000);
  }), handle);
  if (ms === null) throw new Error(`timed out waiting for the records of ${handle} to be painted`);
  return ms;
}

/** The hops of a sender's first paint (the panel's `pane:*` marks), in ms from the one before. */
const HOPS = ['context', 'handle', 'request', 'answer', 'parsed', 'rendered', 'frame', 'records'];
/** The hops of a kept sender's paint: no request. */
const WARM_HOPS = ['context', 'rendered', 'frame', 'records'];
async function hops(handle, names = HOPS) {
  return frame().evaluate(([h, names]) => {
    const marks = performance.getEntriesByType('mark');
    const at = (hop) => {
      // The answer and its parse are marked with the request's path (/api/panel?…).
      const m = hop === 'context' ? marks.find((x) => x.name.startsWith('pane:context '))
        : ['answer', 'parsed'].includes(hop) ? marks.find((x) => x.name.startsWith(`pane:${hop} /api/panel?`))
          : marks.find((x) => x.name === `pane:${hop} ${h}`);
      return m ? m.startTime : null;
    };
    const t = names.map(at);
    const out = {};
    for (let k = 1; k < names.length; k += 1) {
      out[`${names[k - 1]}→${names[k]}`] = t[k] !== null && t[k - 1] !== null ? t[k] - t[k - 1] : null;
    }
    return out;
  }, [handle, names]);
}

async function settledCount() {
  // Nothing more is on its way: two equal readings 300 ms apart.
  let last = await salesforceRequests();
  for (;;) {
    await sleep(300);
    const now = await salesforceRequests();
    if (now === last) return now;
    last = now;
  }
}

async function link() {
  await page.goto(`${proxy.url}?refresh_ms=3600000&generated=${GENERATED}`);
  await linkInPanel(page, context);
}

async function setBackground(hidden) {
  await frame().evaluate((h) => {
    if (h) Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    else delete document.visibilityState;
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

/** Salesforce requests made by `act` (and what it led to), once all is settled. */
async function costOf(act) {
  const before = await settledCount();
  await act();
  return (await settledCount()) - before;
}

async function requestsPerConversation() {
  const a = fresh();
  const b = fresh();
  const row = {};
  row.new_sender = await costOf(async () => { await openGenerated(a); await renderTime(sender(a)); });
  await openGenerated(b);
  await renderTime(sender(b));
  row.same_sender_again = await costOf(async () => { await openGenerated(a); await renderTime(sender(a)); });
  row.another_participant = await costOf(async () => {
    await panel().locator('[data-testid=participants-toggle]').click();
    const cc = panel().locator(`[data-testid=participant][data-handle="bench${a}.cc@bench-co.example"]`);
    await cc.click();
    await renderTime(`bench${a}.cc@bench-co.example`);
  });
  const hidden = async (hide, show, why) => {
    const c = fresh();
    await hide();
    await waitFor(`paused (${why})`, () => panel().locator('[data-testid=panel-active]').getAttribute('data-active'), (v) => v === 'false');
    const cost = await costOf(async () => { await openGenerated(c); await sleep(1_000); });
    await show();
    await renderTime(sender(c));
    return cost;
  };
  row.panel_hidden = await hidden(() => page.click('[data-testid=tab-notes]'), () => page.click('[data-testid=tab-salesforce]'), 'another plugin tab');
  row.panel_collapsed = await hidden(() => page.click('[data-testid=collapse]'), () => page.click('[data-testid=collapse]'), 'collapsed');
  row.background_tab = await hidden(() => setBackground(true), () => setBackground(false), 'background tab');
  return row;
}

async function renderTimes(latency) {
  await setLatency(latency);
  const cold = [];
  const coldHops = [];
  const warm = [];
  const warmHops = [];
  const warmBackToBack = [];
  for (let k = 0; k < SAMPLES; k += 1) {
    const i = fresh();
    await sleep(SETTLE_MS);
    await openGenerated(i);
    cold.push(await renderTime(sender(i)));
    coldHops.push(await hops(sender(i)));
    await sleep(SETTLE_MS);
    await openConversation('cnv_known');
    await renderTime('rose@edge.com');
    await sleep(SETTLE_MS);
    await openGenerated(i);
    warm.push(await renderTime(sender(i)));
    warmHops.push(await hops(sender(i), WARM_HOPS));
    // Back to back: the next switch as soon as the one before is painted (the inbox's own
    // click, no waiting for the element), before the panel asks for that conversation's status.
    await sleep(SETTLE_MS);
    await openConversation('cnv_known');
    await renderTime('rose@edge.com');
    await page.evaluate((id) => document.querySelector(`[data-testid=conversation-item][data-id="${id}"]`).click(), `cnv_gen_${i}`);
    warmBackToBack.push(await renderTime(sender(i)));
  }
  await setLatency(0);
  return { cold, warm, coldHops, warmHops, warmBackToBack };
}

/** Loads the dev inbox again (the session cookie keeps the link), its data functions answering
 *  after `hostDelayMs`; once the panel runs. */
async function reload(hostDelayMs) {
  await page.goto(`${proxy.url}?refresh_ms=3600000&generated=${GENERATED}&host_delay_ms=${hostDelayMs}`);
  await waitFor('the panel running', () => frame()?.evaluate(() => Boolean(window.__paneWasm)).catch(() => false), (v) => v, 20_000);
  await renderTime('rose@edge.com');
}

/** How far the records moved down after their first paint, in px, once what comes after them
 *  came (the conversation's participants and logged count, asked of the host, which answers
 *  after 150 ms here as Front's servers might): for a new conversation and for one seen before.
 *  The records' top is read in the panel's frame as the paint's mark is made, then 800 ms
 *  later. */
async function recordsMoved() {
  await reload(150);
  await frame().evaluate(() => {
    window.benchTops = {};
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (!e.name.startsWith('pane:records ')) continue;
        const top = document.querySelector('[data-testid=records]')?.getBoundingClientRect().top;
        window.benchTops[e.name.slice('pane:records '.length)] = top ?? null;
      }
    }).observe({ type: 'mark' });
  });
  const moved = async (handle) => {
    await renderTime(handle);
    await sleep(800);
    return frame().evaluate((h) => {
      const now = document.querySelector('[data-testid=records]')?.getBoundingClientRect().top;
      const then = window.benchTops[h];
      return now === undefined || then === null || then === undefined ? null : Math.round(now - then);
    }, handle);
  };
  const out = { new_conversation: [], seen_before: [] };
  for (let k = 0; k < 4; k += 1) {
    const i = fresh();
    await openGenerated(i);
    out.new_conversation.push(await moved(sender(i)));
    await openConversation('cnv_known');
    await moved('rose@edge.com');
    await openGenerated(i);
    out.seen_before.push(await moved(sender(i)));
  }
  // Back as the other figures are taken: the data functions at once, and a sender shown that is
  // not the first conversation's (opening that one must show a new sender).
  await reload(0);
  const j = fresh();
  await openGenerated(j);
  await renderTime(sender(j));
  return out;
}

async function installProbes() {
  await frame().evaluate(() => {
    if (window.__bench) return;
    const b = { inputAt: 0, resultsAt: 0, clickAt: 0, focusAt: 0 };
    window.__bench = b;
    document.addEventListener('input', (e) => {
      if (e.target.dataset?.testid === 'search') { b.inputAt = performance.now(); b.resultsAt = 0; }
    }, true);
    new MutationObserver((muts) => {
      if (b.resultsAt || !b.inputAt) return;
      for (const m of muts) {
        for (const n of m.addedNodes) {
          if (n.nodeType === 1 && (n.matches('[data-testid=search-results]') || n.querySelector('[data-testid=search-results]'))) {
            b.resultsAt = performance.now();
            return;
          }
        }
      }
    }).observe(document.body, { childList: true, subtree: true });
    document.addEventListener('click', (e) => {
      if (e.target.closest?.('[data-testid=pencil]')) { b.clickAt = performance.now(); b.focusAt = 0; }
    }, true);
    document.addEventListener('focusin', (e) => {
      if (b.clickAt && !b.focusAt && e.target.matches('input, select, textarea')) b.focusAt = performance.now();
    }, true);
  });
}
const probes = () => frame().evaluate(() => ({ ...window.__bench }));

async function pencilTimes() {
  await openConversation('cnv_known');
  await renderTime('rose@edge.com');
  await installProbes();
  const times = [];
  const row = panel().locator('[data-testid=person-card] [data-testid=field-Title]');
  for (let k = 0; k < SAMPLES; k += 1) {
    await row.locator('[data-testid=field-value]').hover();
    await row.locator('[data-testid=pencil]').click();
    const p = await waitFor('the input focused', probes, (x) => x.focusAt > 0);
    times.push(p.focusAt - p.clickAt);
    await page.keyboard.press('Escape');
    await row.locator('[data-testid=pencil]').waitFor();
    await page.mouse.move(0, 0);
  }
  return times;
}

async function searchTimes() {
  await installProbes();
  const times = [];
  const search = panel().locator('[data-testid=search]');
  for (let k = 0; k < SAMPLES; k += 1) {
    await search.fill(`Bench Person ${100 + k * 7}`);
    const p = await waitFor('search results', probes, (x) => x.resultsAt > 0);
    times.push(p.resultsAt - p.inputAt);
    await search.fill('');
    await panel().locator('[data-testid=records]').waitFor();
  }
  return times;
}

async function firstPaint() {
  const cdp = await context.newCDPSession(page);
  const result = { first_paint: [], first_contentful_paint: [] };
  for (let r = 0; r < RUNS; r += 1) {
    if (process.env.BENCH_CLEAR !== '0') await cdp.send('Network.clearBrowserCache');
    await page.goto(`${proxy.url}?refresh_ms=3600000&generated=${GENERATED}`);
    const t = await waitFor('the panel painted and started', () => frame()?.evaluate(() => {
      const paint = Object.fromEntries(performance.getEntriesByType('paint').map((e) => [e.name, e.startTime]));
      return paint['first-contentful-paint'] && window.__paneWasm ? { fp: paint['first-paint'], fcp: paint['first-contentful-paint'] } : null;
    }).catch(() => null), (v) => v, 20_000);
    result.first_paint.push(t.fp);
    result.first_contentful_paint.push(t.fcp);
  }
  await cdp.detach();
  return result;
}

async function memory() {
  const read = () => frame().evaluate(() => {
    globalThis.gc?.();
    return { js_heap: performance.memory.usedJSHeapSize, wasm: window.__paneWasm.memory.buffer.byteLength };
  });
  // 1,000 switches over 500 conversations: half new senders, half revisits.
  const base = fresh();
  nextSender += SWITCHES / 2;
  const samples = [];
  for (let s = 0; s < SWITCHES; s += 1) {
    const i = base + (s % (SWITCHES / 2));
    await openGenerated(i);
    await renderTime(sender(i));
    if (s === 99 || s === SWITCHES - 1 || (s + 1) % 250 === 0) samples.push({ after: s + 1, ...(await read()) });
  }
  return samples;
}

function bundle() {
  const dist = join(ROOT, 'dist');
  // What the page loads before the panel can paint: the files its page names (the stylesheet,
  // the glue, the main module, the split modules' loader); the split modules (`panel-view-*`)
  // are fetched when first needed, after the first paint (src/split.rs).
  const page = readFileSync(join(dist, 'index.html'), 'utf8');
  const out = { on_demand: { raw: 0, gzip: 0, brotli: 0, files: 0 } };
  for (const f of readdirSync(dist)) {
    const ext = f.split('.').pop();
    if (!['wasm', 'js', 'css'].includes(ext)) continue;
    // GNU gzip -9, as a server precompressing its assets would.
    const gz = execFileSync('gzip', ['-9', '-n', '-c', join(dist, f)], { maxBuffer: 64 * 2 ** 20 });
    // Brotli as the proxy serves it: the build's `.br` twin (scripts/compress.mjs).
    const br = statSync(join(dist, `${f}.br`), { throwIfNoEntry: false })?.size ?? null;
    const size = { raw: statSync(join(dist, f)).size, gzip: gz.length, brotli: br };
    const part = page.includes(`/plugin/${f}`) ? ext : 'on_demand';
    out[part] ??= { raw: 0, gzip: 0, brotli: 0, files: 0 };
    for (const k of ['raw', 'gzip', 'brotli']) out[part][k] = out[part][k] === null || size[k] === null ? null : out[part][k] + size[k];
    out[part].files += 1;
  }
  const parts = [out.wasm, out.js, out.css];
  const sum = (k) => (parts.some((p) => p[k] === null) ? null : parts.reduce((n, p) => n + p[k], 0));
  out.total = { raw: sum('raw'), gzip: sum('gzip'), brotli: sum('brotli') };
  return out;
}

try {
  await seedGenerated(sandbox, GENERATED);
  await link();
  await settledCount();
  const results = {
    what: 'the panel in headless Chromium in the dev inbox, against the release proxy and its sandbox org',
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memory_gb: Math.round(totalmem() / 2 ** 30), chromium: browser.context.browser()?.version() ?? null },
    runs: RUNS,
    samples_per_run: SAMPLES,
    bundle: bundle(),
    requests_per_conversation: [],
    render_ms: { latency_0: { cold: [], warm: [], warm_back_to_back: [] }, latency_150: { cold: [], warm: [], warm_back_to_back: [] } },
    settle_ms: SETTLE_MS,
    // Each hop of the cold paint (new sender), one object per sample.
    cold_hops_ms: { latency_0: [], latency_150: [] },
    // The same for a sender seen before (its kept view shown again, no request).
    warm_hops_ms: { latency_0: [], latency_150: [] },
    pencil_to_focus_ms: [],
    search_ms: [],
    // px the records moved after their first paint, per run.
    records_moved_px: { new_conversation: [], seen_before: [] },
  };
  for (let r = 0; r < (ONLY && !RENDER_ONLY ? 0 : RUNS); r += 1) {
    if (!RENDER_ONLY) results.requests_per_conversation.push(await requestsPerConversation());
    for (const latency of [0, 150]) {
      const t = await renderTimes(latency);
      results.render_ms[`latency_${latency}`].cold.push(t.cold);
      results.render_ms[`latency_${latency}`].warm.push(t.warm);
      results.render_ms[`latency_${latency}`].warm_back_to_back.push(t.warmBackToBack);
      results.cold_hops_ms[`latency_${latency}`].push(...t.coldHops);
      results.warm_hops_ms[`latency_${latency}`].push(...t.warmHops);
    }
    const moved = await recordsMoved();
    results.records_moved_px.new_conversation.push(moved.new_conversation);
    results.records_moved_px.seen_before.push(moved.seen_before);
    if (!RENDER_ONLY) {
      results.pencil_to_focus_ms.push(await pencilTimes());
      results.search_ms.push(await searchTimes());
    }
    process.stderr.write(`run ${r + 1}/${RUNS} done\n`);
  }
  results.memory = RENDER_ONLY ? null : await memory();
  // Last: first paint after a reload (the session cookie survives it; first paint needs none).
  results.paint_ms = ONLY ? null : await firstPaint();
  results.page_errors = browser.errors;
  writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
  process.stderr.write(`wrote ${OUT}\n`);
} catch (err) {
  await page.screenshot({ path: join(ROOT, 'target', 'bench-failure.png') }).catch(() => {});
  const text = await frame()?.evaluate(() => document.body.innerText).catch(() => null);
  process.stderr.write(`the panel showed: ${text}\n`);
  throw err;
} finally {
  await browser.close();
  await proxy.stop();
}
