//! Components with logic: inputs from the describe, inline edit, validation, conversion.

use leptos::prelude::*;
use salesforce_pane::api::Api;
use salesforce_pane::components::describes::provide_describes;
use salesforce_pane::components::notices::provide_notices;
use salesforce_pane::components::state::provide_records_state;
use salesforce_pane::identity::provide_identity;
use salesforce_pane::session::provide_session;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

use crate::support::{mount_in_div, sleep, type_into, until};

/// The panel's state (a session, an always-active `Api`) in the current owner, as the panel
/// provides it.
fn provide_state() {
    let session = provide_session();
    let active = Signal::derive(|| true);
    let api = Api::new(active, Some(session.auth()));
    provide_context(api);
    provide_identity(api, session);
    provide_describes(api);
    let records = provide_records_state();
    provide_notices(records.current_handle.into());
}

fn spec_field(name: &str, kind: &str) -> pane_wire::api::FieldSpec {
    pane_wire::api::FieldSpec::new(name, format!("{name} label"), kind)
}

#[wasm_bindgen_test]
async fn inputs_follow_the_field_type() {
    use salesforce_pane::components::field::FieldInput;
    let mut stage = spec_field("StageName", "picklist");
    stage.picklist = vec![
        pane_wire::api::PicklistOption {
            value: "Prospecting".into(),
            label: "Prospecting".into(),
            default: true,
        },
        pane_wire::api::PicklistOption {
            value: "Closed Won".into(),
            label: "Won".into(),
            default: false,
        },
    ];
    let mut subject = spec_field("Subject", "combobox");
    subject.picklist = vec![pane_wire::api::PicklistOption {
        value: "Call".into(),
        label: "Call".into(),
        default: false,
    }];
    let fields = vec![
        stage,
        subject,
        spec_field("CloseDate", "date"),
        spec_field("At", "datetime"),
        spec_field("Done", "boolean"),
        spec_field("Description", "textarea"),
        spec_field("Amount", "currency"),
        spec_field("Email", "email"),
        spec_field("Phone", "phone"),
    ];
    let values: Vec<RwSignal<String>> = fields
        .iter()
        .map(|_| RwSignal::new(String::new()))
        .collect();
    let mounted = fields.clone();
    let signals = values.clone();
    let container = mount_in_div(move || {
        mounted
            .into_iter()
            .zip(signals)
            .map(|(f, v)| {
                let id = format!("t-{}", f.name);
                view! { <FieldInput field=f value=v id=id /> }
            })
            .collect_view()
            .into_any()
    });
    let el = |name: &str| -> web_sys::Element {
        container
            .query_selector(&format!("[data-testid=input-{name}]"))
            .unwrap()
            .unwrap()
    };
    let attr = |name: &str, a: &str| el(name).get_attribute(a).unwrap_or_default();
    assert_eq!(el("StageName").tag_name(), "SELECT");
    assert_eq!(
        el("StageName")
            .query_selector_all("option")
            .unwrap()
            .length(),
        3,
        "a blank and two values"
    );
    assert_eq!(
        (el("Subject").tag_name(), attr("Subject", "list")),
        ("INPUT".into(), "t-Subject-values".into())
    );
    assert!(
        container
            .query_selector("datalist#t-Subject-values option[value=Call]")
            .unwrap()
            .is_some()
    );
    assert_eq!(attr("CloseDate", "type"), "date");
    assert_eq!(attr("At", "type"), "datetime-local");
    assert_eq!(attr("Done", "type"), "checkbox");
    assert_eq!(el("Description").tag_name(), "TEXTAREA");
    assert_eq!(attr("Amount", "inputmode"), "decimal");
    assert_eq!(attr("Email", "type"), "email");
    assert_eq!(attr("Phone", "type"), "tel");

    // Typing reaches the signal; the signal reaches the input.
    let amount: web_sys::HtmlInputElement = el("Amount").unchecked_into();
    type_into(&amount, "1,200.50");
    assert_eq!(values[6].get_untracked(), "1,200.50");
    values[2].set("2026-11-24".into());
    sleep(20).await;
    let date: web_sys::HtmlInputElement = el("CloseDate").unchecked_into();
    assert_eq!(date.value(), "2026-11-24");
    container.remove();
}

fn key_down(key: &str) -> web_sys::KeyboardEvent {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap()
}

#[wasm_bindgen_test]
async fn inline_edit_shows_the_value_at_once_and_a_refusal_keeps_what_was_typed() {
    use salesforce_pane::components::field::FieldRow;
    let container = mount_in_div(move || {
        provide_state();
        let mut locked = spec_field("LeadSource", "string");
        locked.updateable = false;
        view! {
            // No proxy here: the test server answers the save with an error.
            <FieldRow object="Contact".to_owned() id="003000000000001AAA".to_owned()
                field=spec_field("Title", "string") value=serde_json::json!("Buyer")
                loaded_at=Some("Tue, 24 Nov 2026 10:30:00 GMT".to_owned()) currency="USD".to_owned() />
            <FieldRow object="Contact".to_owned() id="003000000000001AAA".to_owned()
                field=locked value=serde_json::json!("Web") loaded_at=None currency="USD".to_owned() />
        }
        .into_any()
    });
    let q = |sel: &str| container.query_selector(sel).unwrap();
    let row_text = || {
        q("[data-testid=field-Title] .value-text")
            .unwrap()
            .text_content()
            .unwrap_or_default()
    };
    assert_eq!(row_text(), "Buyer");
    assert!(
        q("[data-testid=field-LeadSource] [data-testid=pencil]").is_none(),
        "read-only: no pencil"
    );

    // Escape cancels.
    q("[data-testid=field-Title] [data-testid=pencil]")
        .unwrap()
        .unchecked_into::<HtmlElement>()
        .click();
    sleep(20).await;
    let input: web_sys::HtmlInputElement = q("[data-testid=input-Title]").unwrap().unchecked_into();
    assert_eq!(input.value(), "Buyer");
    type_into(&input, "Nope");
    input.dispatch_event(&key_down("Escape")).unwrap();
    sleep(20).await;
    assert_eq!(row_text(), "Buyer");

    // Enter saves: the new value shows at once; refused, the input opens again with what was
    // typed and the reason.
    let field_value: HtmlElement = q("[data-testid=field-Title] [data-testid=field-value]")
        .unwrap()
        .unchecked_into();
    let enter = || key_down("Enter");
    field_value.dispatch_event(&enter()).unwrap();
    sleep(20).await;
    let input: web_sys::HtmlInputElement = q("[data-testid=input-Title]").unwrap().unchecked_into();
    type_into(&input, "Chief Buyer");
    input.dispatch_event(&enter()).unwrap();
    sleep(0).await;
    let state = || {
        q("[data-testid=field-Title]")
            .unwrap()
            .get_attribute("data-state")
            .unwrap_or_default()
    };
    assert!(
        matches!(state().as_str(), "saving" | "viewing"),
        "{}",
        state()
    );
    until("the refusal", || {
        state() == "editing" && q("[data-testid=field-Title] [data-testid=field-error]").is_some()
    })
    .await;
    let input: web_sys::HtmlInputElement = q("[data-testid=input-Title]").unwrap().unchecked_into();
    assert_eq!(input.value(), "Chief Buyer", "what was typed is kept");
    input.dispatch_event(&key_down("Escape")).unwrap();
    until("back to the value", || state() == "viewing").await;
    assert_eq!(row_text(), "Buyer", "Escape goes back to the value");
    container.remove();
}

#[wasm_bindgen_test]
fn validation_and_the_edit_machine_hold_in_the_browser() {
    use salesforce_pane::model::edit::{EditCommand, EditEvent, EditState};
    use salesforce_pane::model::form::validate;
    let mut last = spec_field("LastName", "string");
    last.required = true;
    let email = spec_field("Email", "email");
    let values = serde_json::json!({"LastName": "", "Email": "not-an-email"});
    let problems = validate(&[&last, &email], &[], values.as_object().unwrap());
    let named: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(named, ["LastName", "Email"]);

    let (state, _) = EditState::viewing().next(EditEvent::Start {
        current: "a".into(),
    });
    let (state, _) = state.next(EditEvent::Type("b".into()));
    let (state, effect) = state.next(EditEvent::Commit {
        previous: serde_json::json!("a"),
        previous_text: "a".into(),
    });
    assert_eq!(
        effect,
        EditCommand::Save {
            draft: "b".into(),
            force: false
        }
    );
    assert_eq!(state.optimistic(), Some("b"));
}

#[wasm_bindgen_test]
async fn the_conversion_form_waits_for_the_org_statuses() {
    use salesforce_pane::components::convert::ConvertForm;
    use salesforce_pane::components::view::provide_view_context;
    let lead = pane_wire::api::RecordView {
        object: "Lead".into(),
        id: "00Q000000000001AAA".into(),
        fields: serde_json::json!({"Name": "Bertha Boxer", "Company": "Farmers Coop. of Florida", "Email": "bertha@fcof.net"})
            .as_object()
            .unwrap()
            .clone(),
        notes: None,
        notes_unavailable: false,
    };
    let container = mount_in_div(move || {
        provide_state();
        provide_view_context();
        view! { <ConvertForm lead=lead /> }.into_any()
    });
    let q = |sel: &str| container.query_selector(sel).unwrap();
    assert!(
        q("[data-testid=convert-form] h2")
            .unwrap()
            .text_content()
            .unwrap()
            .contains("Bertha Boxer")
    );
    assert!(q("[data-testid=convert-new-account]").is_some());
    // No proxy on this page: no statuses, so nothing can be converted, and the panel says why.
    until("the error", || q("[data-testid=form-error]").is_some()).await;
    let convert: web_sys::HtmlButtonElement = q("[data-testid=convert]").unwrap().unchecked_into();
    assert!(convert.disabled());
    // The Opportunity name shows only when asked for.
    assert!(q("[data-testid=convert-opportunity-name]").is_none());
    q("[data-testid=convert-with-opportunity]")
        .unwrap()
        .unchecked_into::<HtmlElement>()
        .click();
    sleep(20).await;
    assert!(q("[data-testid=convert-opportunity-name]").is_some());
    container.remove();
}

#[wasm_bindgen_test]
async fn notes_salesforce_refused_are_said_unavailable_not_listed() {
    use salesforce_pane::components::notes::NotesSection;
    let container = mount_in_div(move || {
        provide_state();
        view! { <NotesSection object="Contact".to_owned() id="003000000000001AAA".to_owned() unavailable=true /> }
            .into_any()
    });
    let q = |sel: &str| container.query_selector(sel).unwrap();
    until("the notice", || {
        q("[data-testid=notes-unavailable]").is_some()
    })
    .await;
    assert_eq!(
        q("[data-testid=notes-unavailable]")
            .unwrap()
            .text_content()
            .unwrap(),
        "Notes are not available in this org."
    );
    assert!(q("[data-testid=add-note]").is_none(), "nothing to add to");
    assert!(q("[data-testid=notes-loading]").is_none(), "nothing read");
    container.remove();
}

#[wasm_bindgen_test]
async fn a_list_with_more_rows_than_read_says_ten_plus() {
    use pane_wire::api::{RecordView, RelatedList};
    use salesforce_pane::components::records::RelatedListView;
    let row = |i: u32| RecordView {
        object: "Contact".into(),
        id: format!("003{i:015}"),
        fields: serde_json::from_value(serde_json::json!({"Name": format!("C{i}")})).unwrap(),
        notes: None,
        notes_unavailable: false,
    };
    let more = RelatedList {
        total: 10,
        more: true,
        records: (0..10).map(row).collect(),
    };
    let three = RelatedList {
        total: 3,
        more: false,
        records: (0..3).map(row).collect(),
    };
    let connected = crate::support::connect(&[]);
    let bridge = connected.bridge.clone();
    let container = mount_in_div(move || {
        provide_state();
        provide_context(bridge.clone());
        view! {
            <RelatedListView title="Contacts" list=more.clone() testid="more" />
            <RelatedListView title="Cases" list=three.clone() testid="three" />
        }
        .into_any()
    });
    let count = |id: &str| {
        container
            .query_selector(&format!("[data-testid={id}] .count"))
            .unwrap()
            .and_then(|e| e.text_content())
    };
    until("the lists", || count("three").is_some()).await;
    assert_eq!(count("more").as_deref(), Some("(10+)"));
    assert_eq!(count("three").as_deref(), Some("(3)"));
    container.remove();
}
