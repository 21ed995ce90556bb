//! *Log conversation* on the matched Contact or Lead: every message the host listed for the
//! open conversation (the lookup's one list, not asked again), in order with authors and times,
//! logged as one Task through the proxy; then, and on any later view of the conversation,
//! *Logged to Salesforce* with when and a link to the Task (the proxy answers that from its
//! own store, with no Salesforce request). Logging again updates the same Task.

use leptos::prelude::*;
use leptos::task::spawn_local;
use pane_wire::api::{ConversationLog, LogConversation, RecordView};
use pane_wire::bridge::MessageList;
use wasm_bindgen::JsValue;

use super::notices::use_notices;
use super::state::use_records_state;
use crate::PanelError;
use crate::api::endpoints;
use crate::api::use_api;
use crate::bridge::use_bridge;
use crate::identity::use_identity;
use crate::model::display::record_url;
use crate::session::use_session;

/// The open conversation's messages as the host listed them, `None` until they are read
/// (provided by the lookup, which reads them once per conversation).
#[derive(Debug, Clone, Copy)]
pub struct ConversationMessages(pub Signal<Option<Result<MessageList, PanelError>>>);

/// When a log was made, in the agent's locale.
fn logged_time(ms: i64) -> String {
    #[allow(clippy::cast_precision_loss, reason = "milliseconds since the epoch")]
    let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    date.to_locale_string("en-US", &JsValue::UNDEFINED).into()
}

/// The action and what it logged, for `person` (a Contact or Lead).
#[component]
pub fn LogConversationAction(
    /// The matched Contact or Lead.
    person: RecordView,
) -> impl IntoView {
    let (records, notices, identity) = (use_records_state(), use_notices(), use_identity());
    let (api, session) = (use_api(), use_session());
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
    let log = RwSignal::new(None::<ConversationLog>);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // Whether the conversation shown is logged: one proxy request, no Salesforce request. What
    // was shown is cleared only when the conversation changes: a reload of the same one keeps
    // "Logged" (and the button's "again") on screen until the answer replaces it, no flicker.
    Effect::new(move |previous: Option<Option<String>>| {
        records.reload.track();
        let shown = conversation.get();
        let id = shown.as_ref().map(|(id, _)| id.clone());
        if previous.as_ref() != Some(&id) {
            log.set(None);
            error.set(None);
        }
        let Some(asked) = id.clone() else {
            return id;
        };
        if !session.signed_in().get() {
            return id;
        }
        spawn_local(async move {
            if let Ok(answer) = endpoints::conversation_log(api, &asked).await {
                let still = conversation
                    .try_get_untracked()
                    .flatten()
                    .is_some_and(|(c, _)| c == asked);
                if still {
                    let _ = log.try_set(answer.log);
                }
            }
        });
        id
    });
    let who = person.id.clone();
    let send = move |_| {
        let Some((id, subject)) = conversation.get_untracked() else {
            return;
        };
        let Some(Ok(list)) = messages.get_untracked() else {
            return;
        };
        let body = LogConversation::of(&id, subject.as_deref(), &who, &list.results);
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match endpoints::log_conversation(api, &body).await {
                Ok(answer) => {
                    let _ = log.try_set(answer.log);
                }
                Err(err) => {
                    let _ = error.try_set(Some(err.to_string()));
                }
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
            })}
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
            })}
        </div>
    }
    .into_any()
}
