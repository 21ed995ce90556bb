//! The conversation's bar above its sender: the channel, how many of its messages rules logged,
//! and a chooser of the other participants. It is one line of a fixed height from the first
//! frame: what the host answers later (`listMessages` is a request to its servers) fills it in
//! and moves nothing below it. The participants' list opens under it only when the agent asks.

use futures::future::{FutureExt, LocalBoxFuture};
use leptos::prelude::*;
use pane_wire::bridge::{Handle, MessageList};

use super::log_conversation::KnownLogs;
use super::on_demand::{load, shown_inline};
use super::records_read::{RecordsRead, use_records_read};
use super::state::use_records_state;
use crate::PanelError;
use crate::api::{Api, endpoints, use_api};
use crate::model::recent::{RECENT_CONVERSATIONS, Recent};
use crate::session::use_session;
use crate::split::on_demand;

/// Everyone else in the conversation, or why they could not be listed; `None` where the
/// conversation has none to list.
pub type Others = Option<Result<Vec<Handle>, PanelError>>;

/// The bar, and the participants' list under it while it is open.
#[component]
pub fn ConversationBar(
    /// The channel's label ("Email").
    channel: Signal<&'static str>,
    /// The conversation's id, where the context has a conversation.
    conversation: Memo<Option<String>>,
    /// The conversation's own sender (the context's handle), not the participant shown.
    sender: Signal<Option<String>>,
    /// The conversation's messages, once the host has listed them.
    messages: Signal<Option<Result<MessageList, PanelError>>>,
    /// The participants, first address first.
    others: Signal<Option<Others>>,
    /// The handle shown now.
    shown: Signal<Handle>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    // Another conversation closes the list.
    Effect::new(move |_| {
        conversation.track();
        open.set(false);
    });
    // Escape closes the list, from its toggle (where a click leaves the focus) or from in it.
    let escape = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            open.set(false);
        }
    };
    view! {
        <div class="conversation" on:keydown=escape>
            <div class="conversation-bar">
                <div class="channel" data-testid="lookup-channel">{channel}</div>
                <LoggedMessages conversation=conversation sender=sender messages=messages />
                <ParticipantsToggle others=others open=open />
            </div>
            <ParticipantsList others=others shown=shown open=open />
        </div>
    }
}

/// The participants listed, where there are at least two.
fn listed(others: Option<Others>) -> Option<Vec<Handle>> {
    match others {
        Some(Some(Ok(list))) if list.len() > 1 => Some(list),
        _ => None,
    }
}

/// "3 people", which opens the list; or why the participants could not be listed.
#[component]
fn ParticipantsToggle(others: Signal<Option<Others>>, open: RwSignal<bool>) -> impl IntoView {
    move || {
        if let Some(Some(Err(err))) = others.get() {
            let err = err.to_string();
            return view! {
                <span class="participants-error" data-testid="participants-error" title=err.clone()>
                    {format!("Participants not listed: {err}")}
                </span>
            }
            .into_any();
        }
        let Some(list) = listed(others.get()) else {
            return ().into_any();
        };
        view! {
            <button
                type="button"
                class="participants-toggle"
                data-testid="participants-toggle"
                title="Everyone in this conversation: choose whose records to show"
                aria-controls=move || open.get().then_some("participants")
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {format!("{} people", list.len())}
            </button>
        }
        .into_any()
    }
}

/// The participants, each a button that shows it instead (and closes the list); drawn only
/// while open, by a module of its own (`crate::split`).
#[component]
fn ParticipantsList(
    others: Signal<Option<Others>>,
    shown: Signal<Handle>,
    open: RwSignal<bool>,
) -> impl IntoView {
    let read = use_records_read();
    move || {
        if !open.get() || listed(others.get_untracked()).is_none() {
            return ().into_any();
        }
        let args = ListArgs {
            others,
            shown,
            open,
            read,
        };
        shown_inline(load(move || participants_view(args)), None)
    }
}

/// What the participants' list is drawn with.
#[derive(Debug, Clone, Copy)]
pub(super) struct ListArgs {
    others: Signal<Option<Others>>,
    shown: Signal<Handle>,
    open: RwSignal<bool>,
    read: RecordsRead,
}

on_demand! {
    /// The open participants' list (its own module: `crate::split`).
    pub(super) fn participants_view(args: ListArgs), prefetch prefetch_participants_list, {
        let ListArgs { others, shown, open, read } = args;
        (move || {
            let Some(list) = listed(others.get()) else {
                return ().into_any();
            };
            let current = shown.get();
            view! {
                <div class="participants" id="participants" data-testid="participants">
                    <h3>"In this conversation"</h3>
                    <ul>
                        {list
                            .into_iter()
                            .map(|h| {
                                let selected = h.value == current.value;
                                let label = match &h.name {
                                    Some(name) => format!("{name} <{}>", h.value),
                                    None => h.value.clone(),
                                };
                                let value = h.value.clone();
                                view! {
                                    <li>
                                        <button
                                            type="button"
                                            class="participant"
                                            data-testid="participant"
                                            data-handle=value
                                            aria-pressed=selected.to_string()
                                            on:click=move |_| {
                                                open.set(false);
                                                read.choose(h.clone());
                                            }
                                        >
                                            {label}
                                        </button>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                </div>
            }
            .into_any()
        })
        .into_any()
    }
}

/// A conversation's logged count asked, and where its answer goes.
#[derive(Debug)]
pub(super) struct StatusAsked {
    api: Api,
    /// The conversation.
    id: String,
    /// Its messages' ids, where the host listed them.
    ids: Option<Vec<String>>,
    /// [`KnownLogs::mark`] as it was asked.
    mark: Option<u64>,
    known: KnownLogs,
    counted_before: StoredValue<Recent<(usize, usize)>>,
    counts: RwSignal<Option<(usize, usize)>>,
    /// The conversation shown now, and the one shown when it was asked.
    conversation: Memo<Option<String>>,
    of: Option<String>,
}

on_demand! {
    /// Asks whether a conversation is logged, and which of its messages rules logged, and
    /// keeps the answer (its own module: `crate::split`; asked after the records are painted).
    pub(super) fn status_asked(asked: StatusAsked) -> LocalBoxFuture<'static, ()>, prefetch prefetch_status, {
        async move {
            let StatusAsked { api, id, ids, mark, known, counted_before, counts, conversation, of } = asked;
            let Ok(status) = endpoints::conversation_status(api, &id, ids.as_deref()).await else {
                return;
            };
            // Whether it is logged as a Task, for its Log conversation action.
            known.asked(&id, status.log, mark);
            let (Some(ids), Some(logged)) = (ids, status.logged) else {
                return;
            };
            let count = (logged.len(), ids.len());
            counted_before.try_update_value(|c| c.insert(id.clone(), count));
            // Another conversation is shown by now: its own count is on its way.
            if conversation.try_get_untracked().flatten() == of {
                counts.try_set(Some(count));
            }
        }
        .boxed_local()
    }
}

/// How many of the conversation's messages rules logged to Salesforce, asked with whether the
/// conversation is logged as a Task ([`KnownLogs`], for its *Log conversation* action): one
/// proxy request, no Salesforce request, only once signed in.
#[component]
fn LoggedMessages(
    conversation: Memo<Option<String>>,
    sender: Signal<Option<String>>,
    /// The messages of the conversation shown, so the count follows the conversation.
    messages: Signal<Option<Result<MessageList, PanelError>>>,
) -> impl IntoView {
    let state = use_records_state();
    let (api, session, read) = (use_api(), use_session(), use_records_read());
    let known = use_context::<KnownLogs>().unwrap_or_default();
    // Records (or their refusal) are shown for the conversation's sender or for the participant
    // shown: the count, which matters less, is asked after them, so its request is not on the
    // records' path. The sender's, once shown, stay shown (remembered): choosing another
    // participant then asks nothing again; the participant's, where the agent chose one before
    // the sender's came (that read was dropped).
    let records_shown = Memo::new(move |_| {
        let Some(sender) = sender.get() else {
            return true;
        };
        read.has_shown(&sender)
            || state
                .current_handle
                .with(|h| h.as_ref().is_some_and(|h| read.has_shown(&h.value)))
    });
    // Only the latest run's request goes: one asked before the panel was hidden, or for a
    // conversation left, is dropped before it is sent.
    let latest = StoredValue::new(0_u64);
    let counts = RwSignal::new(None::<(usize, usize)>);
    // A conversation counted before shows that count until it is counted again (after the
    // host lists its messages): the count does not go and come back.
    let counted_before = StoredValue::new(Recent::<(usize, usize)>::new(RECENT_CONVERSATIONS));
    Effect::new(move |_| {
        latest.update_value(|n| *n += 1);
        state.reload.track();
        let messages = messages.get();
        let signed_in = session.signed_in().get();
        let of = conversation.get();
        let before = of
            .as_ref()
            .filter(|_| signed_in)
            .and_then(|id| counted_before.with_value(|c| c.get(id).copied()));
        counts.set(before);
        if !signed_in {
            // Counted for the org of a link that has ended.
            counted_before.update_value(|c| *c = Recent::new(RECENT_CONVERSATIONS));
            return;
        }
        if !api.active().get() {
            return;
        }
        // The messages' ids, where the host listed them; where it could not, the conversation's
        // log is still asked (its count cannot be).
        let ids: Option<Vec<String>> = match messages {
            None => return,
            Some(Ok(messages)) => Some(messages.results.iter().map(|m| m.id.clone()).collect()),
            Some(Err(_)) => None,
        };
        let Some(id) = of.clone() else {
            return;
        };
        if !records_shown.get() {
            return;
        }
        let run = latest.get_value();
        // Once the agent has stayed on the conversation a moment after its records were
        // painted: one passed through costs nothing (a later run, or another conversation,
        // drops this one).
        crate::marks::after_settle(move || {
            if latest.try_get_value() != Some(run) {
                return;
            }
            let mark = known.mark(&id);
            let asked = StatusAsked {
                api,
                id,
                ids,
                mark,
                known,
                counted_before,
                counts,
                conversation,
                of,
            };
            leptos::task::spawn_local(async move {
                // Not fetched: no count, as when the proxy cannot be reached.
                if let Ok(asking) = status_asked(asked).await {
                    asking.await;
                }
            })
        });
    });
    move || {
        counts
            .get()
            .filter(|(logged, _)| *logged > 0)
            .map(|(logged, all)| {
                view! {
                    <span
                        class="logged"
                        data-testid="logged-messages"
                        title=format!("{logged} of this conversation's {all} messages logged to Salesforce")
                    >
                        {format!("✓ {logged} of {all} logged")}
                    </span>
                }
            })
    }
}
