// The dev inbox's sample conversations, the contexts built from them, and the data functions
// a context offers (listMessages, listRecipients, listTeammates).
// No DOM and no imports: the panel's browser tests load this file as it is.
// Addresses match the sandbox org's demo records (Edge Communications, Burlington Textiles).

export const TEAMMATE = {
  id: 'tea_ana', name: 'Ana Agent', username: 'ana', email: 'ana@pane-support.example', is_admin: true,
};
export const TEAMMATES = [
  TEAMMATE,
  { id: 'tea_ben', name: 'Ben Bauer', username: 'ben', email: 'ben@pane-support.example', is_admin: false },
];
export const COMPANY = { id: 'cmp_pane', name: 'Pane Support' };

const SUPPORT = { handle: 'support@pane-support.example', name: 'Pane Support', type: 'email' };
const SMS_LINE = { handle: '+15125550100', name: 'Pane Support SMS', type: 'phone' };
const INBOX = { id: 'inb_support', name: 'Support' };
const CHANNELS = {
  email: [{ type: 'email', address: SUPPORT.handle, name: 'Support' }],
  sms: [{ type: 'sms', address: SMS_LINE.handle, name: 'SMS' }],
  phoneCall: [{ type: 'phoneCall', address: SMS_LINE.handle, name: 'Phone' }],
  whatsapp: [{ type: 'whatsapp', address: SMS_LINE.handle, name: 'WhatsApp' }],
};

const person = (handle, name, type = 'email') => ({ handle, name, type });
const ROSE = person('rose@edge.com', 'Rose Gonzalez');
const SEAN = person('sean@edge.com', 'Sean Forbes');
const LISA = person('lisa.lee@edge.com', 'Lisa Lee');
const JACK = person('jrogers@burlington.com', 'Jack Rogers');
const TIM = person('tim.barr@burlington.com', 'Tim Barr');
const ZOE = person('zoe@quintessential-kites.example', 'Zoe Quint');
const BERTHA = person('bertha@fcof.net', 'Bertha Boxer');

const at = (iso) => new Date(iso);

/** The address of generated sender `i` (and of whoever they copy): the benchmarks seed them. */
export const generatedSender = (i) => `bench${i}@bench-co.example`;
export const generatedCc = (i) => `bench${i}.cc@bench-co.example`;

/** A message from `from` to `to` at `date` (ISO): inbound, unless `more` says otherwise. */
const message = (from, to, date, body, more = {}) => ({ from, to, date, status: 'inbound', body, ...more });
/** A message from `from` to the support address. */
const toSupport = (from, date, body, more = {}) => message(from, [SUPPORT], date, body, more);
/** Ana's answer from the support address. */
const answer = (to, date, body, more = {}) => message(SUPPORT, to, date, body, { status: 'outbound', author: TEAMMATE, ...more });
/** A conversation `id` of `type` with `recipient`, the case it demonstrates, and its messages. */
const conversation = (id, type, demonstrates, subject, recipient, messages) => ({ id, type, case: demonstrates, subject, recipient, messages });

const ROSE_SMS = person('+15127579340', 'Rose Gonzalez', 'phone');
const CALLER = person('+13362227000', undefined, 'phone');
const PRIYA = person('+447700900123', 'Priya', 'whatsapp');

/** Each conversation, with the case it demonstrates and its messages. */
export const CONVERSATIONS = [
  conversation('cnv_known', 'email', 'Email from a known address', 'Invoice 4471 is wrong', ROSE, [
    toSupport(ROSE, '2026-11-20T09:12:00Z', 'Hello, our last invoice charges us twice for the same licence. Can you check?'),
    answer([ROSE], '2026-11-20T10:02:00Z', 'Hi Rose, sorry about that. I am looking into it now.'),
    toSupport(ROSE, '2026-11-21T08:40:00Z', 'Thanks! Any news?'),
  ]),
  conversation('cnv_domain', 'email', 'Email from an unknown address at a known company', 'Question about our plan', TIM, [
    toSupport(TIM, '2026-11-22T14:05:00Z', 'Hi, I just joined Burlington and would like to know what our plan includes.'),
  ]),
  conversation('cnv_unknown', 'email', 'Email from a totally unknown address', 'Pricing for 30 seats', ZOE, [
    toSupport(ZOE, '2026-11-23T11:30:00Z', 'Hello! We are a kite shop looking at your product. What would 30 seats cost?'),
  ]),
  conversation('cnv_sms', 'sms', 'SMS', undefined, ROSE_SMS, [
    message(ROSE_SMS, [SMS_LINE], '2026-11-23T16:00:00Z', 'Hi, it is Rose from Edge. Can someone call me back today?'),
  ]),
  conversation('cnv_call', 'phoneCall', 'Phone call', 'Call from (336) 222-7000', CALLER, [
    message(CALLER, [SMS_LINE], '2026-11-24T08:15:00Z', 'Incoming call, 4 min 12 s. Voicemail: please call back about the renewal.'),
  ]),
  conversation('cnv_whatsapp', 'whatsapp', 'WhatsApp message (unsupported channel)', undefined, PRIYA, [
    message(PRIYA, [person(SMS_LINE.handle, 'Pane Support', 'whatsapp')], '2026-11-24T07:00:00Z', 'Hi! Do you ship to the UK?'),
  ]),
  conversation('cnv_group', 'email', 'Several senders and CCs', 'Renewal of the Edge contract', SEAN, [
    toSupport(SEAN, '2026-11-18T09:00:00Z', 'We would like to renew for two more years. Rose and Lisa are in copy.', { cc: [ROSE, LISA] }),
    answer([SEAN], '2026-11-18T11:00:00Z', 'Great news, Sean. I will send the paperwork today.', { cc: [ROSE, LISA, person(TEAMMATES[1].email, TEAMMATES[1].name)] }),
    toSupport(LISA, '2026-11-19T15:20:00Z', 'Adding Jack from Burlington, who handles the joint purchase.', { cc: [SEAN, JACK] }),
  ]),
  conversation('cnv_lead', 'email', 'Email from a Lead', 'Ready to order', BERTHA, [
    toSupport(BERTHA, '2026-11-23T16:45:00Z', 'We are ready to order 40 seats for the co-op. What are the next steps?'),
  ]),
];

/**
 * Adds `n` generated email conversations (`cnv_gen_<i>`), each from its own sender with a
 * second person copied: the load the benchmarks drive (`?generated=<n>`).
 */
export function addGenerated(n) {
  for (let i = 0; i < n; i += 1) {
    const from = person(generatedSender(i), `Bench Person ${i}`);
    const cc = person(generatedCc(i), `Bench Copied ${i}`);
    CONVERSATIONS.push(conversation(`cnv_gen_${i}`, 'email', `Generated conversation ${i}`, `Generated question ${i}`, from, [
      toSupport(from, '2026-11-24T12:00:00Z', `Question number ${i}.`, { cc: [cc] }),
    ]));
  }
}

const FUNCTIONS_ALL = { openUrl: 2, openUrlInPopup: 3, listTeammates: 2 };
const FUNCTIONS_CONVERSATION = { ...FUNCTIONS_ALL, listMessages: 2, listRecipients: 2 };

function base(type, functionArities) {
  return {
    type,
    entryPointId: 'ep_side_panel',
    hostId: 'dev-inbox',
    functionArities,
    preferences: {},
    authentication: {},
    teammate: TEAMMATE,
    company: COMPANY,
    entryPoint: { type: 'SIDE_PANEL' },
  };
}

function conversationOf(c) {
  const last = c.messages[c.messages.length - 1];
  return {
    id: c.id,
    type: c.type,
    status: 'open',
    subject: c.subject,
    blurb: last ? last.body.slice(0, 80) : undefined,
    assignee: TEAMMATE,
    recipient: c.recipient ? { ...c.recipient, contact: undefined } : undefined,
    inboxes: [INBOX],
    tags: [],
    topics: [],
    links: [],
    channels: CHANNELS[c.type] || [],
    draftId: undefined,
  };
}

/** The context (without its id, the bridge adds one) for `selected` conversation ids. */
export function buildContext(selected) {
  const chosen = selected.map((id) => CONVERSATIONS.find((c) => c.id === id)).filter(Boolean);
  if (chosen.length === 0) return base('noConversation', FUNCTIONS_ALL);
  if (chosen.length === 1) {
    return { ...base('singleConversation', FUNCTIONS_CONVERSATION), conversation: conversationOf(chosen[0]) };
  }
  return { ...base('multiConversations', FUNCTIONS_ALL), conversations: chosen.map(conversationOf) };
}

/** Every case the dev inbox demonstrates, as [name, context without id]. */
export function sampleContexts() {
  return [
    ...CONVERSATIONS.map((c) => [c.case, buildContext([c.id])]),
    ['Several selected at once', buildContext(['cnv_known', 'cnv_sms', 'cnv_group'])],
    ['None', buildContext([])],
  ];
}

function messageOf(c, m, i) {
  return {
    id: `msg_${c.id.slice(4)}_${i + 1}`,
    subject: c.subject,
    date: at(m.date),
    status: m.status,
    content: { body: `<p>${m.body}</p>`, type: 'html', attachments: [] },
    from: m.from,
    replyTo: undefined,
    to: m.to,
    cc: m.cc,
    bcc: undefined,
  };
}

/** The messages of conversation `id`, as listMessages answers them (dates as `Date`s). */
export function messagesOf(id) {
  const c = CONVERSATIONS.find((x) => x.id === id);
  return c ? c.messages.map((m, i) => messageOf(c, m, i)) : [];
}

/**
 * The Front event a rule sends for message `index` of conversation `id` (full event data):
 * what the dev inbox's rules post to the proxy.
 */
export function ruleEvent(id, index) {
  const c = CONVERSATIONS.find((x) => x.id === id);
  const m = c.messages[index];
  const message = messageOf(c, m, index);
  const inbound = m.status === 'inbound';
  const recipient = (r, role) => ({ handle: r.handle, name: r.name, role });
  const msgType = { email: 'email', sms: 'sms', phoneCall: 'phone-call' }[c.type] || c.type;
  return {
    id: `evt_${message.id.slice(4)}_${Date.now().toString(36)}`,
    type: inbound ? 'inbound' : 'outbound',
    emitted_at: Date.now() / 1000,
    conversation: { id: c.id, subject: c.subject },
    target: {
      _meta: { type: 'message' },
      data: {
        id: message.id,
        type: msgType,
        is_inbound: inbound,
        created_at: message.date.getTime() / 1000,
        subject: c.subject,
        blurb: m.body.slice(0, 80),
        author: inbound ? null : { id: m.author?.id, email: m.author?.email, username: m.author?.username },
        recipients: [recipient(m.from, 'from'), ...(m.to || []).map((r) => recipient(r, 'to')), ...(m.cc || []).map((r) => recipient(r, 'cc'))],
        body: message.content.body,
        text: m.body,
      },
    },
  };
}

const PAGE = 2;

function page(items, token) {
  const start = token ? Number.parseInt(token, 10) || 0 : 0;
  const results = items.slice(start, start + PAGE);
  const next = start + PAGE < items.length ? String(start + PAGE) : undefined;
  return { results, nextPageToken: next };
}

function conversationIdOf(context) {
  if (!context.conversation) throw new Error('No conversation in this context.');
  return context.conversation.id;
}

/** The data functions every context may offer, implemented over the samples. */
export const DATA_FUNCTIONS = {
  listMessages: ([token], context) => page(messagesOf(conversationIdOf(context)), token),
  listRecipients: ([token], context) => {
    const seen = new Map();
    for (const m of messagesOf(conversationIdOf(context))) {
      for (const r of [m.from, ...(m.to || []), ...(m.cc || [])]) seen.set(r.handle, r);
    }
    return page([...seen.values()], token);
  },
  listTeammates: ([token]) => page(TEAMMATES, token),
};
