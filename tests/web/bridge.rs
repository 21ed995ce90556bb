//! The panel's bridge against the dev inbox's real host code and sample data.

use futures::future::{Either, select};
use js_sys::{Array, Function, Object, Reflect};
use leptos::prelude::*;
use pane_wire::bridge::{ContextKind, HandleKind, LookupTarget, lookup_target, participants};
use salesforce_pane::PanelError;
use salesforce_pane::bridge::Bridge;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;
use web_sys::MessageChannel;

use crate::support::{build_context, connect, ids, sample_contexts, sleep, until};

#[wasm_bindgen_test]
async fn bridge_decodes_every_sample_context() {
    let expected: &[(&str, ContextKind, &str)] = &[
        (
            "Email from a known address",
            ContextKind::SingleConversation,
            "email rose@edge.com",
        ),
        (
            "Email from an unknown address at a known company",
            ContextKind::SingleConversation,
            "email tim.barr@burlington.com",
        ),
        (
            "Email from a totally unknown address",
            ContextKind::SingleConversation,
            "email zoe@quintessential-kites.example",
        ),
        ("SMS", ContextKind::SingleConversation, "phone +15127579340"),
        (
            "Phone call",
            ContextKind::SingleConversation,
            "phone +13362227000",
        ),
        (
            "WhatsApp message (unsupported channel)",
            ContextKind::SingleConversation,
            "unsupported",
        ),
        (
            "Several senders and CCs",
            ContextKind::SingleConversation,
            "email sean@edge.com",
        ),
        (
            "Email from a Lead",
            ContextKind::SingleConversation,
            "email bertha@fcof.net",
        ),
        (
            "Several selected at once",
            ContextKind::MultiConversations,
            "several 3",
        ),
        ("None", ContextKind::NoConversation, "none"),
    ];
    let samples = sample_contexts();
    assert_eq!(
        samples.length() as usize,
        expected.len(),
        "a sample case has no expectation"
    );
    let connected = connect(&[]);
    for (sample, (name, kind, target)) in samples.iter().zip(expected) {
        let sample: Array = sample.unchecked_into();
        assert_eq!(sample.get(0).as_string().unwrap(), *name);
        let id = connected.push(&sample.get(1)).await;
        let ctx = connected.bridge.context().get_untracked().unwrap();
        assert_eq!(ctx.id, id);
        assert_eq!(&ctx.kind, kind, "{name}");
        assert_eq!(
            ctx.teammate.as_ref().unwrap().email,
            "ana@pane-support.example"
        );
        let got = match lookup_target(&ctx) {
            LookupTarget::Handle { handle, .. } => format!(
                "{} {}",
                if handle.kind == HandleKind::Email {
                    "email"
                } else {
                    "phone"
                },
                handle.value
            ),
            LookupTarget::Unsupported { .. } => "unsupported".into(),
            LookupTarget::Several { count } => format!("several {count}"),
            LookupTarget::NoConversation => "none".into(),
            other => format!("{other:?}"),
        };
        assert_eq!(got, *target, "{name}");
    }
    assert_eq!(connected.bridge.problem().get_untracked(), None);
}

#[wasm_bindgen_test]
async fn list_messages_reads_dates_and_every_page() {
    let connected = connect(&[]);
    connected.push(&build_context(ids(&["cnv_group"]))).await;
    let list = connected.bridge.list_messages().await.unwrap();
    // The host answers two messages a page: the third comes from the second page.
    assert_eq!(list.results.len(), 3);
    assert_eq!(list.next_page_token, None);
    assert_eq!(
        list.results[0].date,
        Some(js_sys::Date::parse("2026-11-18T09:00:00Z"))
    );
    let ctx = connected.bridge.context().get_untracked().unwrap();
    let teammates = connected.bridge.teammates().await.unwrap();
    assert_eq!(teammates.len(), 2);
    let people: Vec<String> = participants(&ctx, &list.results, &teammates)
        .into_iter()
        .map(|h| h.value)
        .collect();
    assert_eq!(
        people,
        [
            "sean@edge.com",
            "rose@edge.com",
            "lisa.lee@edge.com",
            "jrogers@burlington.com"
        ],
        "teammates and the support address are left out"
    );
}

#[wasm_bindgen_test]
async fn open_url_reaches_the_host() {
    let connected = connect(&[]);
    connected.push(&build_context(ids(&["cnv_known"]))).await;
    connected
        .bridge
        .open_url("https://org.example/001000000000001AAA")
        .await
        .unwrap();
    assert_eq!(
        *connected.opened.borrow(),
        ["https://org.example/001000000000001AAA"]
    );
}

#[wasm_bindgen_test]
async fn recipients_and_popups_reach_the_host() {
    let popup = Function::new_with_args("args", "globalThis.__panePopup = args; return undefined;");
    let connected = connect(&[("openUrlInPopup", popup.into())]);
    connected.push(&build_context(ids(&["cnv_group"]))).await;
    let recipients = connected.bridge.list_recipients().await.unwrap();
    let handles: Vec<&str> = recipients
        .results
        .iter()
        .map(|r| r.handle.as_str())
        .collect();
    assert!(
        handles.contains(&"jrogers@burlington.com"),
        "every page: {handles:?}"
    );
    assert_eq!(recipients.next_page_token, None);
    connected
        .bridge
        .open_url_in_popup("https://login.example/authorize", 480, 640)
        .await
        .unwrap();
    let args = Reflect::get(&js_sys::global(), &"__panePopup".into()).unwrap();
    let args: Array = args.unchecked_into();
    assert_eq!(
        args.get(0).as_string().as_deref(),
        Some("https://login.example/authorize")
    );
    assert_eq!(
        Reflect::get(&args.get(1), &"width".into())
            .unwrap()
            .as_f64(),
        Some(480.0)
    );
}

#[wasm_bindgen_test]
async fn calls_outside_the_context_are_refused() {
    let connected = connect(&[]);
    connected.push(&build_context(ids(&[]))).await;
    // Not in the context's functionArities: refused by the panel, as the SDK does.
    let err = connected.bridge.list_messages().await.unwrap_err();
    assert_eq!(
        err,
        PanelError::NotAFunction {
            name: "listMessages".into(),
            context: "noConversation".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "listMessages is not a valid function for context noConversation."
    );
    // Offered by the context but not answered by the host: the host's function_error.
    let ctx = build_context(ids(&["cnv_known"]));
    let arities = Reflect::get(&ctx, &"functionArities".into()).unwrap();
    Reflect::set(&arities, &"createDraft".into(), &2.into()).unwrap();
    connected.push(&ctx).await;
    let err = connected
        .bridge
        .call("createDraft", vec![])
        .await
        .unwrap_err();
    assert_eq!(
        err,
        PanelError::HostRefused(
            "createDraft is not a valid function for context singleConversation.".into()
        )
    );
}

#[wasm_bindgen_test]
async fn a_dropped_call_sends_function_cancel() {
    let never = Function::new_no_args("return new Promise(() => {})");
    let connected = connect(&[("listTeammates", never.into())]);
    connected.push(&build_context(ids(&["cnv_known"]))).await;
    let call = Box::pin(connected.bridge.call("listTeammates", vec![]));
    match select(call, Box::pin(sleep(100))).await {
        Either::Left(_) => panic!("the host answered a call it never answers"),
        Either::Right(((), call)) => drop(call),
    }
    assert_eq!(connected.bridge.pending_calls(), 0);
    let host = &connected.host;
    until("the host to see the cancel", || {
        host.cancelled().size() == 1
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_host_message_the_panel_cannot_read_is_reported_not_fatal() {
    let channel = MessageChannel::new().unwrap();
    let bridge = Bridge::over_port(channel.port1());
    let bad = Object::new();
    Reflect::set(&bad, &"type".into(), &"context_update".into()).unwrap();
    Reflect::set(&bad, &"context".into(), &"not a context".into()).unwrap();
    channel.port2().post_message(&bad).unwrap();
    let b = bridge.clone();
    until("the problem to be reported", move || {
        b.problem().get_untracked().is_some()
    })
    .await;
    assert!(
        bridge
            .problem()
            .get_untracked()
            .unwrap()
            .starts_with("The inbox sent a message the panel cannot read")
    );
    assert_eq!(bridge.context().get_untracked(), None);
}

/// In the panel, text that is not ASCII is lowered by the browser (the wasm has no case table):
/// the same as Rust's `to_lowercase`, which the wire's own tests check natively.
#[wasm_bindgen_test]
fn addresses_that_are_not_ascii_are_lowered_by_the_browser() {
    let cases = [
        ("Rose@Edge.COM", "rose@edge.com"),
        ("JOSÉ@ÉCOLE.FR", "josé@école.fr"),
        ("ΟΔΟΣ", "\u{3bf}\u{3b4}\u{3bf}\u{3c2}"),
    ];
    for (text, want) in cases {
        assert_eq!(pane_wire::text::lowercase(text), want, "{text}");
        assert_eq!(text.to_lowercase(), want, "{text}");
    }
}
