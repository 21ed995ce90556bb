//! The handle the panel looks up for the open conversation, and the other participants.

use futures::future::{FutureExt, LocalBoxFuture};
use leptos::prelude::*;
use pane_wire::bridge::{
    Context, Handle, HandleKind, LookupTarget, MessageList, lookup_target, participants,
};

use super::conversation_bar::ConversationBar;
use super::log_conversation::{ConversationMessages, KnownLogs};
use super::records::Records;
use super::state::use_records_state;
use crate::PanelError;
use crate::bridge::{Bridge, use_bridge};
use crate::hooks::use_async;
use crate::model::recent::{RECENT_CONVERSATIONS, Recent};
use crate::split::{answered, on_demand};

on_demand! {
    /// The conversation's messages, every page, as the host lists them (its own module:
    /// `crate::split`; what they fill in comes after the records' first paint anyway).
    pub(super) fn messages_listed(bridge: Bridge) -> LocalBoxFuture<'static, Result<MessageList, PanelError>>, prefetch prefetch_messages, {
        async move { bridge.list_messages().await }.boxed_local()
    }
}

on_demand! {
    /// Everyone else in `ctx`'s conversation, from its `messages` and the teammates (its own
    /// module: `crate::split`).
    pub(super) fn participants_found(
        bridge: Bridge,
        ctx: Context,
        messages: Result<MessageList, PanelError>
    ) -> LocalBoxFuture<'static, Result<Vec<Handle>, PanelError>>, prefetch prefetch_participants, {
        async move {
            let teammates = bridge.teammates().await?;
            Ok(participants(&ctx, &messages?.results, &teammates))
        }
        .boxed_local()
    }
}

/// What the panel looks up, or why it looks up nothing.
#[component]
pub fn Lookup() -> impl IntoView {
    let bridge = use_bridge();
    let state = use_records_state();
    let context = bridge.context();
    let target = Memo::new(move |_| context.with(|c| c.as_ref().map(lookup_target)));
    let context_id = Memo::new(move |_| context.with(|c| c.as_ref().map(|c| c.id.clone())));
    // The conversation's own id (one context id may be the same conversation again).
    let conversation = Memo::new(move |_| {
        context.with(|c| {
            c.as_ref()
                .and_then(|c| c.conversation.as_ref().map(|v| v.id.clone()))
        })
    });

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
                // Its module is fetched at the first conversation: a network that dropped
                // then gets more tries (after 1, 2, 4 and 8 s) before the bar says why.
                let mut wait = 1_000;
                let listed = loop {
                    match messages_listed(bridge.clone()).await {
                        Ok(listing) => break listing.await,
                        Err(_) if wait <= 8_000 => {
                            gloo_timers::future::TimeoutFuture::new(wait).await;
                            wait *= 2;
                        }
                        Err(_) => break Err(PanelError::NotLoaded),
                    }
                };
                Some((id?, listed))
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
            let conversation = conversation.get_untracked();
            let Some(messages) = messages else {
                let before =
                    conversation.and_then(|id| listed_before.with_value(|l| l.get(&id).cloned()));
                return before.map(Ok);
            };
            let found = answered(participants_found(bridge, ctx, messages)).await;
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
            let channel =
                Signal::derive(move || current.get().map(|(c, _)| c.label()).unwrap_or_default());
            let sender = Signal::derive(move || match target.get() {
                Some(LookupTarget::Handle { handle, .. }) => Some(handle.value),
                _ => None,
            });
            view! {
                <section class="lookup" data-testid="lookup" data-state="handle">
                    <ConversationBar
                        channel=channel
                        conversation=conversation
                        sender=sender
                        messages=messages
                        others=others.into()
                        shown=shown
                    />
                    <HandleCard handle=shown />
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
