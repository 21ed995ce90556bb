// The dev inbox page: conversation list, message view, right pane with plugin tabs.
import { HostBridge } from './host-bridge.js';
import { CONVERSATIONS, DATA_FUNCTIONS, TEAMMATE, addGenerated, buildContext, messagesOf, ruleEvent } from './samples.js';

const params = new URLSearchParams(location.search);

/**
 * On loopback the panel is loaded from the other loopback name, so it is cross-origin as in
 * Front. Behind a public URL (`--public-url`) the proxy accepts the panel at that origin only:
 * the panel is this origin's /plugin/.
 */
function defaultPluginUrl() {
  const url = new URL('/plugin/', location.href);
  const other = { localhost: '127.0.0.1', '127.0.0.1': 'localhost' }[location.hostname];
  if (other) url.hostname = other;
  return url;
}

const pluginUrl = new URL(params.get('plugin') || defaultPluginUrl().href, location.href);
if (params.has('refresh_ms')) pluginUrl.searchParams.set('refresh_ms', params.get('refresh_ms'));
if (params.has('prefetch_ms')) pluginUrl.searchParams.set('prefetch_ms', params.get('prefetch_ms'));
// A host passes its auth_secret to the plugin, as Front does (only if the proxy was given one).
if (params.has('auth_secret')) pluginUrl.searchParams.set('auth_secret', params.get('auth_secret'));
const pluginOrigin = pluginUrl.origin;
// Generated conversations for the benchmarks, at most 5,000.
addGenerated(Math.min(Number.parseInt(params.get('generated') || '0', 10) || 0, 5_000));

const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== undefined && v !== null) node.setAttribute(k, v);
  }
  node.append(...children.filter((c) => c !== undefined && c !== null));
  return node;
};

// ---- bridge log ------------------------------------------------------------------------
let logCount = 0;
function log(direction, detail) {
  logCount += 1;
  $('log-count').textContent = String(logCount);
  const line = el('li', { 'data-kind': direction }, `${direction} ${JSON.stringify(detail ?? {})}`);
  $('log').append(line);
  while ($('log').children.length > 200) $('log').firstElementChild.remove();
}

// ---- functions the host answers --------------------------------------------------------
const openedUrls = [];
function checkedUrl(url) {
  let parsed;
  try {
    parsed = new URL(String(url));
  } catch {
    throw new Error(`Not a URL: ${url}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new Error(`Only http and https URLs can be opened, not ${parsed.protocol}`);
  }
  return parsed.href;
}
// `?host_delay_ms=N`: the data functions (listMessages...) answer after N ms (at most 10 s), as
// Front's do: each is a request to Front's servers.
const hostDelayMs = Math.min(Number.parseInt(params.get('host_delay_ms') || '0', 10) || 0, 10_000);
// `?host_fail=listMessages,...`: those data functions fail, as Front's can.
const hostFail = new Set((params.get('host_fail') || '').split(',').filter(Boolean));
const afterHostDelay = (name, f) => async (...args) => {
  if (hostDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, hostDelayMs));
  if (hostFail.has(name)) throw new Error(`${name} failed`);
  return f(...args);
};
const functions = {
  ...Object.fromEntries(Object.entries(DATA_FUNCTIONS).map(([name, f]) => [name, afterHostDelay(name, f)])),
  openUrl: ([url]) => {
    const href = checkedUrl(url);
    openedUrls.push(href);
    window.open(href, '_blank', 'noopener,noreferrer');
  },
  openUrlInPopup: ([url, options]) => {
    const href = checkedUrl(url);
    openedUrls.push(href);
    const width = Number(options?.width) || 500;
    const height = Number(options?.height) || 600;
    window.open(href, '_blank', `popup,width=${width},height=${height}`);
  },
};

const bridge = new HostBridge({ functions, log });

// ---- plugins ---------------------------------------------------------------------------
const frames = {
  salesforce: el('iframe', {
    src: pluginUrl.href,
    title: 'Salesforce Pane',
    'data-testid': 'plugin-salesforce',
    // As in Front: scripts and forms, no popups (open links through openUrl). Storage access
    // on a click: where a browser refuses the panel's partitioned cookie, the panel asks for
    // its own site's cookies with the Storage Access API, which a sandboxed frame may only do
    // with this token.
    sandbox: 'allow-scripts allow-same-origin allow-forms allow-storage-access-by-user-activation',
  }),
  notes: el('iframe', { src: '/plugins/notes.html', title: 'Notes', 'data-testid': 'plugin-notes', class: 'hidden' }),
};
$('plugins').append(frames.salesforce, frames.notes);
bridge.listen(window, { frame: () => frames.salesforce.contentWindow, origin: () => pluginOrigin });

function selectTab(name) {
  for (const tab of document.querySelectorAll('.tab')) {
    tab.setAttribute('aria-selected', String(tab.dataset.plugin === name));
  }
  for (const [key, frame] of Object.entries(frames)) frame.classList.toggle('hidden', key !== name);
}
for (const tab of document.querySelectorAll('.tab')) {
  tab.addEventListener('click', () => selectTab(tab.dataset.plugin));
}
$('collapse').addEventListener('click', () => {
  const pane = $('pane');
  const collapsed = pane.dataset.collapsed !== 'true';
  pane.dataset.collapsed = String(collapsed);
  const name = collapsed ? 'Expand the pane' : 'Collapse the pane';
  $('collapse').replaceChildren(el('span', { 'aria-hidden': 'true' }, collapsed ? '⟨' : '⟩'));
  $('collapse').setAttribute('aria-expanded', String(!collapsed));
  $('collapse').setAttribute('aria-label', name);
  $('collapse').title = name;
});

// ---- conversations ---------------------------------------------------------------------
let selected = [CONVERSATIONS[0].id];

function select(ids) {
  selected = ids;
  showSelection();
  renderConversation();
  bridge.setContext(buildContext(selected));
}

// Each conversation's row and checkbox, by id: the list is drawn once, and a selection only
// changes the rows it changes (with 1,200 generated conversations, drawing the list again took
// the page about 300 ms of the machine a click, beside the panel being measured).
const rows = new Map();

function renderList() {
  const list = $('conversations');
  list.replaceChildren();
  rows.clear();
  for (const c of CONVERSATIONS) {
    const box = el('input', { type: 'checkbox', 'aria-label': `Select ${c.case}`, 'data-testid': 'select' });
    box.addEventListener('click', (event) => {
      event.stopPropagation();
      select(box.checked ? [...selected, c.id] : selected.filter((id) => id !== c.id));
    });
    const who = c.recipient?.name || c.recipient?.handle || 'Unknown';
    const item = el(
      'li',
      { 'data-id': c.id, 'data-testid': 'conversation-item', 'aria-selected': 'false', tabindex: '0' },
      box,
      el('div', { class: 'meta' },
        el('div', { class: 'who' }, who, el('span', { class: 'badge' }, c.type)),
        el('div', { class: 'subject' }, c.subject || c.messages[c.messages.length - 1].body),
        el('div', { class: 'case' }, c.case)),
    );
    item.addEventListener('click', () => select([c.id]));
    // Rows are reachable by keyboard: Tab focuses one, Enter or Space opens it.
    item.addEventListener('keydown', (event) => {
      if (event.target !== item || (event.key !== 'Enter' && event.key !== ' ')) return;
      event.preventDefault();
      select([c.id]);
    });
    list.append(item);
    rows.set(c.id, { item, box });
  }
}

/** Marks the selected conversations' rows, and unmarks the others. */
function showSelection() {
  for (const [id, { item, box }] of rows) {
    const checked = selected.includes(id);
    if (box.checked !== checked) box.checked = checked;
    if (item.getAttribute('aria-selected') !== String(checked)) item.setAttribute('aria-selected', String(checked));
  }
}

function renderConversation() {
  const main = $('conversation');
  main.replaceChildren();
  if (selected.length === 0) {
    main.append(el('p', { class: 'empty' }, 'No conversation selected.'));
    return;
  }
  if (selected.length > 1) {
    main.append(el('p', { class: 'empty' }, `${selected.length} conversations selected.`));
    return;
  }
  const c = CONVERSATIONS.find((x) => x.id === selected[0]);
  main.append(el('h1', {}, c.subject || `${c.type} with ${c.recipient?.name || c.recipient?.handle}`));
  messagesOf(c.id).forEach((m, index) => {
    const names = (rs) => (rs || []).map((r) => (r.name ? `${r.name} <${r.handle}>` : r.handle)).join(', ');
    const status = el('span', { class: 'rule-status', 'data-testid': 'rule-status', role: 'status' });
    // The inbox's own rules: each posts Front's event to the proxy, which signs it server-side.
    const rule = (action, label) => {
      const button = el('button', { type: 'button', class: 'rule', 'data-testid': `rule-${action}` }, label);
      button.addEventListener('click', async () => {
        status.textContent = '…';
        const res = await fetch(`/__dev/rules/${action}`, {
          // The header only this page's own script can send: the proxy refuses rules without it.
          method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Pane-Dev-Inbox': '1' }, body: JSON.stringify(ruleEvent(c.id, index)),
        });
        const answer = await res.json().catch(() => ({}));
        status.textContent = res.ok ? (answer.queued ? 'Queued' : 'Already queued') : `Refused: ${answer.message || res.status}`;
      });
      return button;
    };
    main.append(el('article', { class: `message ${m.status}`, 'data-testid': 'message' },
      el('div', { class: 'head' },
        `${names([m.from])} → ${names(m.to)}`, m.cc?.length ? ` · cc ${names(m.cc)}` : '',
        ` · ${m.date.toLocaleString()}`),
      el('div', {}, m.content.body.replace(/<[^>]+>/g, '')),
      el('div', { class: 'rules' }, 'Rules: ', rule('send-to-salesforce', 'Send to Salesforce'), ' ', rule('create-lead', 'Create lead in Salesforce'), ' ', status)));
  });
}

$('clear-selection').addEventListener('click', () => select([]));
$('teammate').textContent = `${TEAMMATE.name} · ${TEAMMATE.email}`;

// For people and tests poking at the page: what the host did, never a way to drive it.
window.devInbox = { openedUrls, pluginOrigin, get contextId() { return bridge.context?.id; } };

renderList();
select(selected);
