//! Create forms generated from the describe: the right input per type, required fields
//! marked with a red `*`, saving refused with the fields named until they are filled,
//! Salesforce's validation beside the field, and for a Contact or Lead the existing records
//! with the same email or phone offered first.

use leptos::prelude::*;
use leptos::task::spawn_local;
use pane_wire::api::{CreateAnswer, FieldSpec, ObjectSpec, RecordView};
use pane_wire::bridge::{HandleKind, email_domain, is_free_mail};
use serde_json::{Map, Value, json};

use super::describes::use_describes;
use super::field::FieldInput;
use super::lookup_input::LinkedNames;
use super::notices::use_notices;
use super::skeleton::Skeleton;
use super::state::use_records_state;
use super::view::{Creating, View, use_view_context};
use crate::PanelError;
use crate::api::{endpoints, use_api};
use crate::identity::use_identity;
use crate::model::display::title;
use crate::model::form::{
    company_from_domain, create_fields, fix_summary, split_name, to_json, validate, with_labels,
};

/// The Salesforce object behind what is created, and its heading.
pub fn target(object: &str) -> (&'static str, &'static str) {
    match object {
        "Contact" => ("Contact", "New Contact"),
        "Lead" => ("Lead", "New Lead"),
        "Account" => ("Account", "New Account"),
        "Opportunity" => ("Opportunity", "New Opportunity"),
        "Case" => ("Case", "New Case"),
        "Call" => ("Task", "Log a call"),
        "EmailLog" => ("Task", "Log an email"),
        _ => ("Task", "New Task"),
    }
}

/// The fields the form shows besides the required ones.
fn wanted(object: &str) -> &'static [&'static str] {
    match object {
        "Contact" => &[
            "FirstName",
            "LastName",
            "Email",
            "Phone",
            "Title",
            "AccountId",
        ],
        "Lead" => &[
            "FirstName",
            "LastName",
            "Company",
            "Email",
            "Phone",
            "Title",
            "Status",
        ],
        "Account" => &["Name", "Website", "Phone", "Industry", "Type"],
        "Opportunity" => &["Name", "StageName", "CloseDate", "Amount", "AccountId"],
        "Case" => &[
            "Subject",
            "Description",
            "Status",
            "Priority",
            "Origin",
            "ContactId",
            "AccountId",
        ],
        _ => &[
            "Subject",
            "ActivityDate",
            "Status",
            "Priority",
            "Description",
            "WhoId",
            "WhatId",
        ],
    }
}

fn today(plus_days: u32) -> String {
    let date = js_sys::Date::new_0();
    date.set_date(date.get_date() + plus_days);
    let iso: String = date.to_iso_string().into();
    iso.chars().take(10).collect()
}

/// What the form starts with.
pub fn prefill(creating: &Creating, spec: &ObjectSpec) -> Map<String, Value> {
    let mut values = Map::new();
    let creatable = |k: &str| spec.fields.iter().any(|f| f.name == k && f.createable);
    let put = |values: &mut Map<String, Value>, k: &str, v: Value| {
        if creatable(k) {
            values.insert(k.to_owned(), v);
        }
    };
    if let Some(h) = &creating.handle {
        let (first, last) = split_name(h.name.as_deref().unwrap_or_default());
        if matches!(creating.object.as_str(), "Contact" | "Lead") {
            put(&mut values, "FirstName", json!(first));
            put(&mut values, "LastName", json!(last));
            match h.kind {
                HandleKind::Email => put(&mut values, "Email", json!(h.value)),
                HandleKind::Phone => put(&mut values, "Phone", json!(h.value)),
            }
            if creating.object == "Lead"
                && let Some(domain) = email_domain(&h.value).filter(|d| !is_free_mail(d))
            {
                put(&mut values, "Company", json!(company_from_domain(&domain)));
            }
        }
    }
    if let Some(account) = &creating.account_id {
        put(&mut values, "AccountId", json!(account));
        put(&mut values, "WhatId", json!(account));
    }
    if let Some((object, id)) = &creating.who_id {
        put(&mut values, "WhoId", json!(id));
        if object == "Contact" {
            put(&mut values, "ContactId", json!(id));
        }
    }
    for f in &spec.fields {
        if let Some(default) = f.picklist.iter().find(|p| p.default) {
            values.entry(f.name.clone()).or_insert(json!(default.value));
        }
    }
    match creating.object.as_str() {
        "Opportunity" => {
            put(&mut values, "CloseDate", json!(today(30)));
            if !values.contains_key("StageName")
                && let Some(first) = spec
                    .fields
                    .iter()
                    .find(|f| f.name == "StageName")
                    .and_then(|f| f.picklist.first())
            {
                values.insert("StageName".into(), json!(first.value));
            }
        }
        "Call" | "EmailLog" => {
            let call = creating.object == "Call";
            put(
                &mut values,
                "Subject",
                json!(if call { "Call" } else { "Email" }),
            );
            put(&mut values, "Status", json!("Completed"));
            put(&mut values, "ActivityDate", json!(today(0)));
            put(
                &mut values,
                "TaskSubtype",
                json!(if call { "Call" } else { "Email" }),
            );
            put(
                &mut values,
                "Type",
                json!(if call { "Call" } else { "Email" }),
            );
        }
        "Task" => put(&mut values, "ActivityDate", json!(today(1))),
        "Case" => {
            if let Some(h) = &creating.handle {
                put(
                    &mut values,
                    "Origin",
                    json!(if h.kind == HandleKind::Email {
                        "Email"
                    } else {
                        "Phone"
                    }),
                );
                if h.kind == HandleKind::Email {
                    put(&mut values, "SuppliedEmail", json!(h.value));
                }
            }
        }
        _ => {}
    }
    values
}

/// The create form for `creating`.
#[component]
pub fn CreateForm(
    /// What is created.
    creating: Creating,
) -> impl IntoView {
    let describes = use_describes();
    let (object, heading) = target(&creating.object);
    let spec = Memo::new(move |_| describes.describe(object));
    view! {
        <section class="form-view" data-testid="create-form" data-object=object>
            <h2>{heading}</h2>
            {move || match spec.get() {
                None => view! { <Skeleton bones=1 label="Loading the form" /> }.into_any(),
                Some(spec) => view! { <FormBody creating=creating.clone() spec=spec /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn FormBody(creating: Creating, spec: ObjectSpec) -> impl IntoView {
    let (state, api, notices) = (use_records_state(), use_api(), use_notices());
    let view_ctx = use_view_context();
    let (object, _) = target(&creating.object);
    let mandatory = use_identity().mandatory(object);
    let fields: Vec<FieldSpec> = create_fields(&spec, &mandatory, wanted(&creating.object))
        .into_iter()
        .cloned()
        .collect();
    let start = prefill(&creating, &spec);
    provide_context(LinkedNames(creating.names.clone()));
    // Prefilled values the form does not show still go with the record (a log's Status...).
    let hidden: Map<String, Value> = start
        .iter()
        .filter(|(k, _)| !fields.iter().any(|f| &f.name == *k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let inputs: Vec<(FieldSpec, RwSignal<String>)> = fields
        .iter()
        .map(|f| {
            let text = match start.get(&f.name) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Bool(b)) => b.to_string(),
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            (f.clone(), RwSignal::new(text))
        })
        .collect();
    let problems = RwSignal::new(Vec::<(String, String)>::new());
    let existing = RwSignal::new(None::<(bool, Vec<RecordView>)>);
    let saving = RwSignal::new(false);
    let handle = creating.handle.clone();
    let inputs_for_save = inputs.clone();
    let mandatory_for_save = mandatory.clone();
    let save = move |force: bool| {
        let typed: Map<String, Value> = inputs_for_save
            .iter()
            .map(|(f, v)| (f.name.clone(), Value::String(v.get_untracked())))
            .collect();
        let specs: Vec<&FieldSpec> = inputs_for_save.iter().map(|(f, _)| f).collect();
        let found = validate(&specs, &mandatory_for_save, &typed);
        problems.set(found.clone());
        if !found.is_empty() {
            return;
        }
        let mut body: Map<String, Value> = hidden.clone();
        for (f, v) in &inputs_for_save {
            let value = to_json(f, &v.get_untracked());
            if !value.is_null() {
                body.insert(f.name.clone(), value);
            }
        }
        saving.set(true);
        let labelled: Vec<FieldSpec> = inputs_for_save.iter().map(|(f, _)| f.clone()).collect();
        spawn_local(async move {
            let answer = endpoints::create_record(api, object, &body, force).await;
            saving.set(false);
            match answer {
                Ok(_) => {
                    notices.say(format!("{object} created."));
                    state.changed();
                    view_ctx.0.set(View::Records);
                }
                Err(PanelError::Http {
                    status: 409,
                    body: Some(body),
                    ..
                }) => {
                    let answer: Option<CreateAnswer> = serde_json::from_str(&body).ok();
                    if let Some(a) = answer {
                        let by_rule = a.existing.is_empty();
                        existing.set(Some((
                            by_rule,
                            if by_rule { a.duplicates } else { a.existing },
                        )));
                    }
                }
                Err(PanelError::Http {
                    code,
                    fields,
                    message,
                    ..
                }) if code == "rejected" => {
                    let message = with_labels(&message, &labelled);
                    let named: Vec<(String, String)> = if fields.is_empty() {
                        vec![(String::new(), message)]
                    } else {
                        fields.into_iter().map(|f| (f, message.clone())).collect()
                    };
                    problems.set(named);
                }
                Err(err) => problems.set(vec![(String::new(), err.to_string())]),
            }
        });
    };
    let save_click = save.clone();
    let save_anyway = save.clone();
    let general = move || {
        problems.with(|p| {
            p.iter()
                .find(|(f, _)| f.is_empty())
                .map(|(_, m)| view! { <p class="form-error" role="alert" data-testid="form-error">{m.clone()}</p> }.into_any())
        })
    };
    let shown_fields: Vec<FieldSpec> = inputs.iter().map(|(f, _)| f.clone()).collect();
    let summary = move || {
        problems
            .with(|p| fix_summary(p, &shown_fields))
            .map(|text| {
                view! {
                    <p class="form-error" role="alert" data-testid="form-problems">{text}</p>
                }
                .into_any()
            })
    };
    view! {
        <form class="record-form" novalidate=true on:submit=move |ev| { ev.prevent_default(); save_click(false); }>
            {inputs.into_iter().map(|(f, value)| {
                let name = f.name.clone();
                let required = f.required || mandatory.contains(&f.name);
                let id = format!("create-{}", f.name);
                let name_for_error = name.clone();
                let name_for_invalid = name.clone();
                let error = move || problems.with(|p| p.iter().find(|(n, _)| *n == name_for_error).map(|(_, m)| m.clone()));
                let invalid = Signal::derive(move || problems.with(|p| p.iter().any(|(n, _)| *n == name_for_invalid)));
                view! {
                    <div class="form-field" data-testid=format!("form-field-{name}")>
                        <label for=id.clone()>
                            {f.label.clone()}
                            {required.then(|| view! { <span class="required" aria-label="required" data-testid="required-mark">"*"</span> })}
                        </label>
                        <FieldInput field=f.clone() value=value id=id invalid=invalid />
                        {move || error().map(|m| view! { <p class="field-error" data-testid="field-error">{m}</p> }.into_any())}
                    </div>
                }
            }).collect_view()}
            {move || summary()}
            {move || general()}
            {move || existing.get().map(|(by_rule, records)| {
                let handle = handle.clone();
                let save_anyway = save_anyway.clone();
                view! {
                    <div class="existing" role="alert" data-testid="existing">
                        <p>{if by_rule { "Salesforce's duplicate rules found these records:" } else { "Already in Salesforce with this email or phone:" }}</p>
                        <ul>
                            {records.into_iter().map(|r| {
                                let handle = handle.clone();
                                let r2 = r.clone();
                                view! {
                                    <li>
                                        <span>{format!("{} · {}", title(&r), r.object)}</span>
                                        {handle.map(|h| view! {
                                            <button type="button" class="button small" data-testid="use-existing"
                                                on:click=move |_| { state.pin(api, notices, &h, &r2); view_ctx.0.set(View::Records); }>"Use this one"</button>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        {(!by_rule).then(|| view! {
                            <button type="button" class="button secondary" data-testid="create-anyway"
                                on:click=move |_| save_anyway(true)>"Create anyway"</button>
                        })}
                    </div>
                }.into_any()
            })}
            <div class="form-actions">
                <button type="submit" class="button" data-testid="save" disabled=move || saving.get()>
                    {move || if saving.get() { "Saving…" } else { "Save" }}
                </button>
                <button type="button" class="button secondary" data-testid="cancel"
                    on:click=move |_| view_ctx.0.set(View::Records)>"Cancel"</button>
            </div>
        </form>
    }
}
