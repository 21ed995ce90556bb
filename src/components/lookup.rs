//! The handle the panel looks up for the open conversation, and the other participants.

use leptos::prelude::*;
use pane_wire::bridge::{
    Handle, HandleKind, LookupTarget, MessageList, lookup_target, participants,
};

use super::log_conversation::{ConversationMessages, KnownLogs};
use super::records::Records;
use super::records_read::use_records_read;
use super::state::use_records_state;
use crate::PanelError;
use crate::api::{endpoints, use_api};
use crate::bridge::use_bridge;
use crate::hooks::use_async;
use crate::model::recent::{RECENT_CONVERSATIONS, Recent};
use crate::session::use_session;

/// What the panel looks up, or why it looks up nothing.
#[component]
pub fn Lookup() -> impl IntoView {
    let bridge = use_bridge();
    let state = use_records_state();
    let context = bridge.context();
    let target = Memo::new(move |_| context.with(|c| c.as_ref().map(lookup_target)));
    let context_id = Memo::new(move |_| context.with(|c| c.as_ref().map(|c| c.id.clone())));

    // The conversation's messages, asked of the host (`listMessages`, every page) once per
    // conversation and shared by the participants and the logged count. `None` until they
    // are there, and where the context is not a sender's conversation with a message list.
    let listing = use_async({
        let bridge = bridge.clone();
        move || {
            let bridge = bridge.clone();
            let id = context_id.get();
            async move {
                let listed = bridge.context().with_untracked(|c| {
                    c.as_ref().is_some_and(|c| {
                        c.has_function("listMessages")
                            && matches!(lookup_target(c), LookupTarget::Handle { .. })
                    })
                });
                if !listed {
                    return None;
                }
                Some((id?, bridge.list_messages().await))
            }
        }
    });
    // The list of the conversation shown (the read keeps the last one on show while it reads the
    // next).
    let messages = Signal::derive(move || {
        let id = context_id.get()?;
        listing
            .get()
            .flatten()
            .filter(|(of, _)| *of == id)
            .map(|(_, list)| list)
    });
    // The same list for *Log conversation* on the matched Contact or Lead.
    provide_context(ConversationMessages(messages));
    provide_context(KnownLogs::new());

    // Everyone else in the conversation, from its messages (the host, not Salesforce). A
    // conversation listed before shows the participants found then until the host answers
    // again (`listMessages` is a request to the host's servers): the list is in the first frame,
    // and the records below it do not move down when the answer comes.
    let listed_before = StoredValue::new(Recent::<Vec<Handle>>::new(RECENT_CONVERSATIONS));
    let others = use_async(move || {
        let bridge = bridge.clone();
        context_id.track();
        let messages = messages.get();
        async move {
            let (ctx, first) = bridge.context().with_untracked(|c| {
                let ctx = c.clone()?;
                match lookup_target(&ctx) {
                    LookupTarget::Handle { handle, .. } => Some((ctx, handle)),
                    _ => None,
                }
            })?;
            if !ctx.has_function("listMessages") {
                return Some(Ok(vec![first]));
            }
            let conversation = ctx.conversation.as_ref().map(|c| c.id.clone());
            let Some(messages) = messages else {
                let before =
                    conversation.and_then(|id| listed_before.with_value(|l| l.get(&id).cloned()));
                return before.map(Ok);
            };
            let found = async {
                let teammates = bridge.teammates().await?;
                let messages = messages?;
                Ok(participants(&ctx, &messages.results, &teammates))
            };
            let found = found.await;
            if let (Some(id), Ok(list)) = (conversation, &found) {
                listed_before.update_value(|l| l.insert(id, list.clone()));
            }
            Some(found)
        }
    });
    // The same list answered again (the host's answer after the one remembered) changes nothing.
    let others = Memo::new(move |_| others.get());

    // The sender shown and its channel while the context has one. The sender's view is built
    // once and follows these signals from one sender to the next: rebuilt for each
    // conversation, what it built was never freed (about 1 KiB of wasm memory a switch).
    // The sender is the one the records' read shows: the context's, or the participant chosen.
    let current = Memo::new(move |_| match target.get() {
        Some(LookupTarget::Handle { channel, .. }) => Some((channel, state.current_handle.get()?)),
        _ => None,
    });
    // What the panel says instead of a sender, or `None` while it shows one.
    let said = Memo::new(move |_| match target.get() {
        None => Some(("waiting", "Waiting for the inbox to connect…".to_owned())),
        Some(LookupTarget::NoConversation) => Some((
            "no-conversation",
            "No conversation is open. Open one to see its Salesforce records.".to_owned(),
        )),
        Some(LookupTarget::Several { count }) => Some((
            "several",
            format!("{count} conversations are selected. Open one to see its Salesforce records."),
        )),
        Some(LookupTarget::Unsupported { channel }) => Some((
            "unsupported",
            format!(
                "{} conversations can't be matched with Salesforce records. \
             Salesforce Pane matches email, SMS and phone calls.",
                channel.label()
            ),
        )),
        Some(LookupTarget::NoHandle { channel }) => Some((
            "no-handle",
            format!(
                "This {} conversation has no sender address to look up.",
                channel.label().to_ascii_lowercase()
            ),
        )),
        Some(LookupTarget::NotAConversation) => Some((
            "not-a-conversation",
            "There is nothing to look up here.".to_owned(),
        )),
        // The sender's own view.
        Some(LookupTarget::Handle { .. }) => None,
    });
    move || match said.get() {
        Some((state, text)) => message(state, text),
        None => {
            let shown = Signal::derive(move || {
                current.get().map_or_else(
                    || Handle {
                        kind: HandleKind::Email,
                        value: String::new(),
                        name: None,
                    },
                    |(_, h)| h,
                )
            });
            let channel = move || current.get().map(|(c, _)| c.label()).unwrap_or_default();
            view! {
                <section class="lookup" data-testid="lookup" data-state="handle">
                    <div class="channel" data-testid="lookup-channel">{channel}</div>
                    <HandleCard handle=shown />
                    <Participants others=others.into() shown=shown />
                    <LoggedMessages messages=messages />
                    <Records handle=shown />
                </section>
            }
            .into_any()
        }
    }
}

fn message(state: &'static str, text: String) -> AnyView {
    view! {
        <section class="lookup" data-testid="lookup" data-state=state>
            <p class="lookup-message" data-testid="lookup-message">{text}</p>
        </section>
    }
    .into_any()
}

/// The address being looked up.
#[component]
fn HandleCard(
    /// The handle shown.
    handle: Signal<Handle>,
) -> impl IntoView {
    let kind = move || match handle.get().kind {
        HandleKind::Email => "email",
        HandleKind::Phone => "phone",
    };
    view! {
        <div class="handle-card">
            <div class="handle" data-testid="lookup-handle" data-kind=kind>{move || handle.get().value}</div>
            {move || handle.get().name.map(|name| view! { <div class="handle-name" data-testid="lookup-name">{name}</div> }.into_any())}
        </div>
    }
}

/// Everyone else in the conversation, or why they could not be listed; `None` where the
/// conversation has none to list.
type Others = Option<Result<Vec<Handle>, PanelError>>;

/// The other participants, each a button that shows it instead.
#[component]
fn Participants(
    /// The participants, first address first.
    others: Signal<Option<Others>>,
    /// The handle shown now.
    shown: Signal<Handle>,
) -> impl IntoView {
    let read = use_records_read();
    move || {
        let list = match others.get() {
            Some(Some(Ok(list))) => list,
            Some(Some(Err(err))) => {
                return view! { <p class="participants-error" data-testid="participants-error">{err.to_string()}</p> }.into_any();
            }
            _ => return ().into_any(),
        };
        if list.len() < 2 {
            return ().into_any();
        }
        let current = shown.get();
        view! {
            <div class="participants" data-testid="participants">
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
                                        on:click=move |_| read.choose(h.clone())
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
    }
}

/// How many of the conversation's messages rules logged to Salesforce (one proxy request, no
/// Salesforce request; only once signed in).
#[component]
fn LoggedMessages(
    /// The messages of the conversation shown, so the count follows the conversation.
    messages: Signal<Option<Result<MessageList, PanelError>>>,
) -> impl IntoView {
    let state = use_records_state();
    let api = use_api();
    let session = use_session();
    let bridge = use_bridge();
    let conversation = Memo::new(move |_| {
        bridge.context().with(|c| {
            c.as_ref()
                .and_then(|c| c.conversation.as_ref().map(|v| v.id.clone()))
        })
    });
    let counts = RwSignal::new(None::<(usize, usize)>);
    // A conversation counted before shows that count until it is counted again (after the
    // host lists its messages): the line does not go and come back, moving what is below it.
    let counted_before = StoredValue::new(Recent::<(usize, usize)>::new(RECENT_CONVERSATIONS));
    Effect::new(move |_| {
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
        let Some(Ok(messages)) = messages else {
            return;
        };
        let ids: Vec<String> = messages.results.iter().map(|m| m.id.clone()).collect();
        if ids.is_empty() {
            return;
        }
        leptos::task::spawn_local(async move {
            let Ok(logged) = endpoints::logged_count(api, &ids).await else {
                return;
            };
            let count = (logged, ids.len());
            if let Some(id) = &of {
                counted_before.update_value(|c| c.insert(id.clone(), count));
            }
            // Another conversation is shown by now: its own count is on its way.
            if conversation.try_get_untracked().flatten() == of {
                counts.try_set(Some(count));
            }
        });
    });
    move || {
        counts
            .get()
            .filter(|(logged, _)| *logged > 0)
            .map(|(logged, all)| {
                view! {
                    <p class="hint logged" data-testid="logged-messages">
                        {format!("✓ {logged} of {all} messages logged to Salesforce")}
                    </p>
                }
            })
    }
}
