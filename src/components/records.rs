//! The records of the sender shown: why they matched, the Contact or Lead card, its Account,
//! Opportunities, Cases, open activities and history; the choice when several match; create
//! buttons when nothing does, as the records' read gives them (`records_read.rs`).

use leptos::prelude::*;
use leptos::task::spawn_local;
use pane_wire::api::{MatchReason, PanelData, RecordView, RelatedList};
use pane_wire::bridge::Handle;
use serde_json::Value;

use super::describes::use_describes;
use super::field::FieldRow;
use super::link::LinkPrompt;
use super::log_conversation::LogConversationAction;
use super::notes::{NotesSection, has_notes};
use super::notices::use_notices;
use super::records_kept::KeptViews;
use super::records_read::use_records_read;
use super::skeleton::Skeleton;
use super::state::use_records_state;
use super::view::{Creating, View, use_view_context};
use crate::PanelError;
use crate::api::{endpoints, use_api};
use crate::bridge::use_bridge;
use crate::identity::use_identity;
use crate::intl::AgentFormats;
use crate::model::display::{currency_of, guess_kind, loaded_at, record_url, title, value_text};
use crate::session::use_session;

/// The fields a card shows before the agent or the admin picks some (wire's object table).
pub use pane_wire::objects::shown_fields as default_fields;

/// A record's title, opening it in Salesforce.
#[component]
pub fn RecordLink(
    /// The record.
    record: RecordView,
    /// Its test id.
    #[prop(optional)]
    testid: &'static str,
) -> impl IntoView {
    let (identity, notices) = (use_identity(), use_notices());
    let bridge = use_bridge();
    let text = title(&record);
    let (object, id) = (record.object.clone(), record.id.clone());
    let open = move |_| {
        let Some(org) = identity.org_url() else {
            return;
        };
        let bridge = bridge.clone();
        let url = record_url(&org, &object, &id);
        spawn_local(async move {
            if let Err(err) = bridge.open_url(&url).await {
                notices.say(format!("Salesforce could not be opened: {err}"));
            }
        });
    };
    view! {
        <button type="button" class="record-link" data-testid=if testid.is_empty() { "record-link" } else { testid }
            title="Open in Salesforce" on:click=open>{text}</button>
    }
}

/// The sender's records, as the records' read gives them ([`super::records_read`]).
#[component]
pub fn Records(
    /// The handle shown.
    handle: Signal<Handle>,
) -> impl IntoView {
    let (read, session) = (use_records_read(), use_session());
    let signed_in = session.signed_in();
    // What the view shows: the answer for the sender shown, else what was read for them
    // before (a revisit shows at once), else nothing yet (the skeleton). A memo, so an
    // unchanged answer leaves the view alone (a reload keeps the records on screen, and an
    // inline edit in progress stays open).
    let data = Memo::new(move |_| -> Option<Result<PanelData, PanelError>> {
        if !signed_in.get() {
            return None;
        }
        handle.with(|h| read.shown(&h.value))
    });
    // Linked or not, as a memo: the records below are built once per change, not per check.
    let unlinked = Memo::new(move |_| session.linked().get() == Some(false));
    // The skeleton or the refusal; the records themselves are in the slot below.
    let status = move || {
        data.with(|d| match d {
            None => Some(
                view! { <Skeleton bones=2 label="Loading records" testid="records-loading" /> }
                    .into_any(),
            ),
            Some(Err(err)) => Some(view! { <RecordsFailed err=err.clone() /> }.into_any()),
            Some(Ok(_)) => None,
        })
    };
    // The sender's records: their kept view, or one built now ([`KeptViews`]).
    let kept = StoredValue::new_local(KeptViews::new());
    let slot = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        let sender = handle.get();
        let answer = data.get();
        let Some(slot) = slot.get() else {
            return;
        };
        let Some(Ok(panel)) = answer else {
            slot.replace_children_with_node_0();
            if signed_in.get_untracked() {
                kept.with_value(KeptViews::hide);
            } else {
                kept.update_value(KeptViews::clear);
            }
            return;
        };
        let root = kept.try_update_value(|k| {
            k.show(&sender, &panel, |handle, panel| {
                view! { <Matched panel=panel handle=handle /> }.into_any()
            })
        });
        let Some(root) = root else {
            return;
        };
        if slot.first_element_child().as_ref() != Some(&root) {
            slot.replace_children_with_node_1(&root);
        }
        crate::marks::records_rendered(&sender.value);
        crate::marks::records_painted(sender.value);
    });
    view! {
        <Show when=move || !unlinked.get() fallback=|| view! { <LinkPrompt /> }>
            {status}
            <div class="records-slot" node_ref=slot></div>
        </Show>
    }
}

/// Why the records could not be read, and a retry.
#[component]
fn RecordsFailed(err: PanelError) -> impl IntoView {
    let state = use_records_state();
    let (testid, text) = match err.code() {
        Some("disabled") => (
            "records-disabled",
            "The Salesforce integration is turned off. An admin can turn it on in the settings."
                .to_owned(),
        ),
        Some("quota_reserve") => ("records-quota", err.to_string()),
        Some("quota_spent") => ("records-quota", err.to_string()),
        _ => (
            "records-error",
            format!("The records could not be read: {err}"),
        ),
    };
    view! {
        <div class="state-message" role="alert" data-testid=testid>
            <p>{text}</p>
            <button type="button" class="button secondary" data-testid="retry" on:click=move |_| state.changed()>"Try again"</button>
        </div>
    }
}

fn reason_text(reason: MatchReason) -> &'static str {
    match reason {
        MatchReason::Email => "Matched by email",
        MatchReason::Phone => "Matched by phone",
        MatchReason::Domain => "Matched by the email's domain",
        MatchReason::Pinned => "Chosen for this sender",
        MatchReason::None => "No match",
    }
}

#[component]
fn Matched(panel: PanelData, handle: Handle) -> impl IntoView {
    let (state, api, notices) = (use_records_state(), use_api(), use_notices());
    let view_ctx = use_view_context();
    let reason = panel.reason;
    let stale = panel.stale.clone();
    let candidates = panel.candidates.clone();
    let person = panel.person.clone();
    let account = panel.account.clone();
    let handle_for_pick = handle.clone();
    let handle_for_create = handle.clone();
    let unpin = {
        let handle = handle.clone();
        move |_| {
            let handle = handle.clone();
            spawn_local(async move {
                match endpoints::unpin(api, &handle).await {
                    Ok(_) => state.changed(),
                    Err(err) => notices.say(err.to_string()),
                }
            });
        }
    };
    let create = move |object: &'static str| {
        let handle = handle_for_create.clone();
        let linked_account = panel_account(&person, &account);
        let account = account_id(&linked_account);
        let who = person_id(&person);
        let names = linked_names(&[&linked_account, &person]);
        move |_| {
            view_ctx.0.set(View::Create(Creating {
                object: object.to_owned(),
                handle: Some(handle.clone()),
                account_id: account.clone(),
                who_id: who.clone(),
                names: names.clone(),
            }));
        }
    };
    let lead = panel.person.clone().filter(|p| p.object == "Lead");
    view! {
        <div class="matched" data-testid="records" data-reason=format!("{reason:?}").to_ascii_lowercase()>
            {stale.map(|s| view! {
                <p class="banner warn" role="status" data-testid="stale">
                    {format!("Shown from cache ({} min old): {}", s.age_secs / 60, s.reason)}
                </p>
            })}
            <p class="reason" data-testid="reason">
                {reason_text(reason)}
                {(reason == MatchReason::Pinned).then(|| view! {
                    " · " <button type="button" class="link" data-testid="unpin" on:click=unpin.clone()>"match again"</button>
                })}
            </p>
            {(!candidates.is_empty()).then(|| {
                let handle = handle_for_pick.clone();
                view! {
                    <div class="candidates" data-testid="candidates">
                        <h3>{format!("{} records match. Which one is it?", candidates.len())}</h3>
                        <ul>
                            {candidates.into_iter().map(|c| {
                                let handle = handle.clone();
                                let chosen = c.clone();
                                view! {
                                    <li>
                                        <span class="candidate-name">{format!("{} · {}", title(&c), c.object)}</span>
                                        <button type="button" class="button small" data-testid="choose-candidate"
                                            on:click=move |_| state.pin(api, notices, &handle, &chosen)>"This one"</button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </div>
                }
            })}
            {panel.person.clone().map(|p| view! { <RecordCard record=p testid="person-card" /> })}
            {panel.person.clone().map(|p| view! { <LogConversationAction person=p /> })}
            {lead.map(|l| view! {
                <button type="button" class="button" data-testid="convert-lead"
                    on:click=move |_| view_ctx.0.set(View::Convert(l.clone()))>"Convert to a Contact"</button>
            })}
            {(reason == MatchReason::Domain).then(|| view! {
                <p class="hint" data-testid="domain-hint">"Not this person yet: their company is in Salesforce, they are not."</p>
            })}
            {panel.account.clone().map(|a| view! { <RecordCard record=a testid="account-card" /> })}
            {(reason == MatchReason::Domain).then(|| view! { <RelatedListView title="Contacts at this Account" list=panel.account_contacts.clone() testid="account-contacts" /> })}
            {(panel.person.is_none()).then(|| view! {
                <div class="create-person" data-testid="create-person">
                    {(reason == MatchReason::None).then(|| view! { <p class="hint">"Nobody in Salesforce has this address."</p> })}
                    <button type="button" class="button" data-testid="create-contact" on:click=create("Contact")>"Create Contact"</button>
                    <button type="button" class="button secondary" data-testid="create-lead" on:click=create("Lead")>"Create Lead"</button>
                </div>
            })}
            {(panel.person.is_some() || panel.account.is_some()).then(|| view! {
                <RelatedListView title="Opportunities" list=panel.opportunities.clone() testid="opportunities" />
                <RelatedListView title="Cases" list=panel.cases.clone() testid="cases" />
                <RelatedListView title="Open activities" list=panel.open_activities.clone() testid="open-activities" />
                <RelatedListView title="Activity history" list=panel.history.clone() testid="history" />
                <div class="actions" data-testid="actions">
                    <button type="button" class="button small" data-testid="new-Opportunity" on:click=create("Opportunity")>"New Opportunity"</button>
                    <button type="button" class="button small" data-testid="new-Case" on:click=create("Case")>"New Case"</button>
                    <button type="button" class="button small" data-testid="new-Task" on:click=create("Task")>"New Task"</button>
                    <button type="button" class="button small" data-testid="log-call" on:click=create("Call")>"Log a call"</button>
                    <button type="button" class="button small" data-testid="log-email" on:click=create("EmailLog")>"Log an email"</button>
                </div>
            })}
        </div>
    }
}

fn panel_account(person: &Option<RecordView>, account: &Option<RecordView>) -> Option<RecordView> {
    account.clone().or_else(|| {
        let p = person.as_ref()?;
        let id = p.fields.get("AccountId")?.as_str()?;
        Some(RecordView {
            object: "Account".into(),
            id: id.to_owned(),
            fields: Default::default(),
            notes: None,
            notes_unavailable: false,
        })
    })
}

fn account_id(account: &Option<RecordView>) -> Option<String> {
    account.as_ref().map(|a| a.id.clone())
}

/// The names of the records a new one links to, by id (a record known only by its id has none).
fn linked_names(records: &[&Option<RecordView>]) -> Vec<(String, String)> {
    records
        .iter()
        .filter_map(|r| r.as_ref())
        .map(|r| (r.id.clone(), title(r)))
        .filter(|(id, name)| id != name)
        .collect()
}

fn person_id(person: &Option<RecordView>) -> Option<(String, String)> {
    person.as_ref().map(|p| (p.object.clone(), p.id.clone()))
}

/// Fields a card never lists (its title, ids, what the panel reads for itself).
const HIDDEN: &[&str] = &[
    "Id",
    "Name",
    "LastModifiedDate",
    "AccountId",
    "OwnerId",
    "IsTask",
    "CaseNumber",
];

/// A related row's summary: the values its object shows first (an Event's start standing for
/// the date it lacks), in that order, whole: the row wraps rather than cutting them off.
fn summary_line(object: &str, details: &[(String, String)]) -> String {
    let value = |name: &str| {
        details
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    pane_wire::objects::shown_fields(object)
        .iter()
        .filter(|name| **name != "Subject")
        .filter_map(|name| match *name {
            "ActivityDate" => value(name).or_else(|| value("StartDateTime")),
            _ => value(name),
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// A record's card: its title (opening it in Salesforce) and its fields, editable in place.
#[component]
pub fn RecordCard(
    /// The record.
    record: RecordView,
    /// Its test id.
    testid: &'static str,
) -> impl IntoView {
    let (identity, describes) = (use_identity(), use_describes());
    let object = record.object.clone();
    let loaded = record
        .fields
        .get("LastModifiedDate")
        .and_then(Value::as_str)
        .and_then(loaded_at);
    let record_for_fields = record.clone();
    let currency = currency_of(&record.fields, &identity.currency()).to_owned();
    let fields = move || {
        let spec = describes.describe(&object);
        let names = identity.shown_fields(&object, default_fields(&object));
        names
            .into_iter()
            .filter(|n| !HIDDEN.contains(&n.as_str()))
            .map(|name| {
                let value = record_for_fields.fields.get(&name).cloned().unwrap_or(Value::Null);
                match spec.as_ref().and_then(|s| s.fields.iter().find(|f| f.name == name)) {
                    Some(f) => view! {
                        <FieldRow object=record_for_fields.object.clone() id=record_for_fields.id.clone()
                            field=f.clone() value=value loaded_at=loaded.clone() currency=currency.clone() />
                    }
                    .into_any(),
                    None => view! {
                        <div class="field" data-testid=format!("field-{name}") data-editable="false">
                            <span class="field-label">{name.clone()}</span>
                            <div class="field-value"><span class="value-text">{value_text(guess_kind(&name, &value), &value, &currency, &AgentFormats::browser()).unwrap_or_else(|| "—".to_owned())}</span></div>
                        </div>
                    }
                    .into_any(),
                }
            })
            .collect_view()
    };
    view! {
        <section class="card" data-testid=testid data-object=record.object.clone() data-id=record.id.clone()>
            <header class="card-head">
                <span class="object-badge">{record.object.clone()}</span>
                <RecordLink record=record.clone() testid="card-title" />
            </header>
            <div class="fields">{move || fields()}</div>
            {has_notes(&record.object).then(|| view! { <NotesSection object=record.object.clone() id=record.id.clone() notes=record.notes.clone() unavailable=record.notes_unavailable /> })}
        </section>
    }
}

/// A related list: its count, its newest rows, each opening to its fields.
#[component]
pub fn RelatedListView(
    /// The list's title.
    title: &'static str,
    /// The rows.
    list: RelatedList,
    /// Its test id.
    testid: &'static str,
) -> impl IntoView {
    let count = list.total;
    // More rows than were read: "(10+)", as Salesforce's own related lists say it.
    let more = if list.more { "+" } else { "" };
    view! {
        <section class="related" data-testid=testid data-count=count.to_string() data-more=list.more.then_some("true")>
            <h3>{title} " " <span class="count">{format!("({count}{more})")}</span></h3>
            {if list.records.is_empty() {
                view! { <p class="empty">"None."</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {list.records.into_iter().map(|r| {
                            let currency = &currency_of(&r.fields, &use_identity().currency()).to_owned();
                            let formats = AgentFormats::browser();
                            let details: Vec<(String, String)> = r.fields.iter()
                                .filter(|(k, _)| !HIDDEN.contains(&k.as_str()) && k.as_str() != "Subject")
                                .filter_map(|(k, v)| Some((k.clone(), value_text(guess_kind(k, v), v, currency, &formats)?)))
                                .collect();
                            let summary = summary_line(&r.object, &details);
                            // The row's fields, and an Opportunity's notes (read then), are put in
                            // the document once its row is opened: a switch of sender builds only
                            // the summaries.
                            let opened = RwSignal::new(false);
                            let (object, id) = (r.object.clone(), r.id.clone());
                            let inside = move || opened.get().then(|| view! {
                                <dl>
                                    {details.iter().map(|(k, v)| view! { <dt>{k.clone()}</dt><dd>{v.clone()}</dd> }).collect_view()}
                                </dl>
                                {has_notes(&object).then(|| view! { <NotesSection object=object.clone() id=id.clone() /> })}
                            }.into_any());
                            view! {
                                <li class="related-row" data-testid="related-row" data-object=r.object.clone() data-id=r.id.clone()>
                                    <details on:toggle=move |ev| opened.set(event_target::<web_sys::Element>(&ev).has_attribute("open"))>
                                        <summary>
                                            <RecordLink record=r.clone() />
                                            <span class="summary">{summary}</span>
                                        </summary>
                                        {move || inside()}
                                    </details>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </section>
    }
}
