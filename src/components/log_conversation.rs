//! *Log conversation* on the matched Contact or Lead: every message the host listed for the
//! open conversation (the lookup's one list, not asked again), in order with authors and times,
//! logged as one Task through the proxy; then, and on any later view of the conversation,
//! *Logged to Salesforce* with when and a link to the Task (the proxy answers that from its
//! own store, with no Salesforce request, in the request the conversation bar makes for the
//! logged count). Logging again updates the same Task.

use std::collections::HashMap;

use futures::future::{FutureExt, LocalBoxFuture};
use leptos::prelude::*;
use leptos::task::spawn_local;
use pane_wire::api::{ConversationLog, LogConversation, RecordView};
use pane_wire::bridge::MessageList;
use wasm_bindgen::JsValue;

use super::notices::use_notices;
use super::state::use_records_state;
use crate::PanelError;
use crate::api::{Api, endpoints, use_api};
use crate::bridge::use_bridge;
use crate::identity::use_identity;
use crate::model::display::record_url;
use crate::split::on_demand;

/// The open conversation's messages as the host listed them, `None` until they are read
/// (provided by the lookup, which reads them once per conversation).
#[derive(Debug, Clone, Copy)]
pub struct ConversationMessages(pub Signal<Option<Result<MessageList, PanelError>>>);

/// The logs the panel has read or made, by conversation id (provided by the lookup; read by
/// the conversation bar, which asks for them with the logged count). A card rebuilt for the
/// same conversation (a fresher answer, a revisit) shows *Logged* at once instead of
/// flickering back to *Log conversation* until the proxy answers again.
#[derive(Debug, Clone, Copy)]
pub struct KnownLogs {
    known: RwSignal<HashMap<String, ConversationLog>>,
    /// How many logs the panel has made, by conversation: a status asked before one was made
    /// answers what came before it.
    made: StoredValue<HashMap<String, u64>>,
}

impl KnownLogs {
    /// None known yet.
    pub fn new() -> Self {
        Self {
            known: RwSignal::new(HashMap::new()),
            made: StoredValue::new(HashMap::new()),
        }
    }

    /// A mark to give [`KnownLogs::asked`] with the answer of `conversation`'s status asked now.
    pub fn mark(self, conversation: &str) -> Option<u64> {
        self.made
            .try_with_value(|m| m.get(conversation).copied().unwrap_or(0))
    }

    /// What the proxy said of `conversation` when asked at `mark`: its log, or that it has
    /// none; dropped where the panel has logged that conversation since.
    pub fn asked(self, conversation: &str, log: Option<ConversationLog>, mark: Option<u64>) {
        if mark.is_some() && self.mark(conversation) == mark {
            self.record(conversation, log);
        }
    }

    /// A log the panel made.
    fn log_made(self, conversation: &str, log: Option<ConversationLog>) {
        self.made
            .try_update_value(|m| *m.entry(conversation.to_owned()).or_default() += 1);
        self.record(conversation, log);
    }

    fn record(self, conversation: &str, log: Option<ConversationLog>) {
        self.known.try_update(|known| match log {
            Some(log) => known.insert(conversation.to_owned(), log),
            None => known.remove(conversation),
        });
    }
}

impl Default for KnownLogs {
    fn default() -> Self {
        Self::new()
    }
}

/// When a log was made, in the agent's locale.
fn logged_time(ms: i64) -> String {
    #[allow(clippy::cast_precision_loss, reason = "milliseconds since the epoch")]
    let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    date.to_locale_string("en-US", &JsValue::UNDEFINED).into()
}

/// A conversation to log on a person.
#[derive(Debug)]
pub(super) struct Logging {
    api: Api,
    conversation: String,
    subject: Option<String>,
    /// The Contact's or Lead's id.
    person: String,
    messages: MessageList,
    /// Told of the log made.
    known: KnownLogs,
}

on_demand! {
    /// Logs a conversation (its own module: `crate::split`) and keeps its log; or why not.
    pub(super) fn log_sent(logging: Logging) -> LocalBoxFuture<'static, Result<(), String>>, prefetch prefetch_log, {
        async move {
            let Logging { api, conversation, subject, person, messages, known } = logging;
            let body = LogConversation::of(&conversation, subject.as_deref(), &person, &messages.results);
            let answer = endpoints::log_conversation(api, &body).await.map_err(|err| err.to_string())?;
            known.log_made(&conversation, answer.log);
            Ok(())
        }
        .boxed_local()
    }
}

/// The action and what it logged, for `person` (a Contact or Lead).
#[component]
pub fn LogConversationAction(
    /// The matched Contact or Lead.
    person: RecordView,
) -> impl IntoView {
    let (notices, identity, api) = (use_notices(), use_identity(), use_api());
    let records = use_records_state();
    let bridge = use_bridge();
    let Some(ConversationMessages(messages)) = use_context::<ConversationMessages>() else {
        return ().into_any();
    };
    let context = bridge.context();
    let conversation = Memo::new(move |_| {
        context.with(|c| {
            let c = c.as_ref()?.conversation.as_ref()?;
            Some((c.id.clone(), c.subject.clone()))
        })
    });
    let known = use_context::<KnownLogs>().unwrap_or_default();
    // The shown conversation's log, as last known.
    let log = Memo::new(move |_| {
        let (id, _) = conversation.get()?;
        known.known.with(|k| k.get(&id).cloned())
    });
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // Another conversation, or the records read again, clears the error. Whether it is logged
    // comes with its logged count (the conversation bar asks both in one request, once the
    // agent stays on it).
    Effect::new(move |_| {
        conversation.track();
        records.reload.track();
        error.set(None);
    });
    let who = person.id.clone();
    let send = move |_| {
        let Some((id, subject)) = conversation.get_untracked() else {
            return;
        };
        let Some(Ok(list)) = messages.get_untracked() else {
            return;
        };
        let logging = Logging {
            api,
            conversation: id.clone(),
            subject,
            person: who.clone(),
            messages: list,
            known,
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let failed = match log_sent(logging).await {
                Ok(sending) => sending.await.err(),
                Err(_) => Some(PanelError::NotLoaded.to_string()),
            };
            if let Some(err) = failed {
                let _ = error.try_set(Some(err));
            }
            let _ = busy.try_set(false);
        });
    };
    let open = move |_| {
        let (Some(org), Some(task)) = (identity.org_url(), log.get_untracked()) else {
            return;
        };
        let bridge = bridge.clone();
        let url = record_url(&org, "Task", &task.task_id);
        spawn_local(async move {
            if let Err(err) = bridge.open_url(&url).await {
                notices.say(format!("Salesforce could not be opened: {err}"));
            }
        });
    };
    let ready = move || matches!(messages.get(), Some(Ok(_)));
    view! {
        <div class="conversation-log" data-testid="conversation-log">
            {move || log.get().map(|l| view! {
                <p class="hint logged" role="status" data-testid="conversation-logged" data-task=l.task_id.clone()>
                    {format!("✓ Logged to Salesforce · {} ({} messages) · ", logged_time(l.logged_at), l.messages)}
                    <button type="button" class="link" data-testid="open-conversation-task"
                        title="Open in Salesforce" on:click=open.clone()>"Open Task"</button>
                </p>
            }.into_any())}
            <button type="button" class="button small" data-testid="log-conversation"
                disabled=move || busy.get() || !ready() on:click=send.clone()>
                {move || match (busy.get(), log.with(Option::is_some)) {
                    (true, _) => "Logging…",
                    (false, true) => "Log conversation again",
                    (false, false) => "Log conversation",
                }}
            </button>
            {move || error.get().map(|e| view! {
                <p class="error" role="alert" data-testid="log-conversation-error">{e}</p>
            }.into_any())}
        </div>
    }
    .into_any()
}
