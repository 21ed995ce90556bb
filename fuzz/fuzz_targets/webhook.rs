//! Any body: the rule webhook's decoder and the decisions on the event answer without
//! panicking, and a counterpart, when there is one, is a handle of the message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pane_proxy::rules::event::{Decision, Event, body_text, counterpart, lead_names};

fuzz_target!(|data: &[u8]| {
    let Ok(event) = serde_json::from_slice::<Event>(data) else { return };
    let message = &event.target.data;
    let never = ["noreply.example".to_owned(), "ceo@big.example".to_owned()];
    if let Decision::Act(person) = counterpart(message, &never) {
        assert!(
            // Emails are compared lower-cased, as the panel's handles are (Unicode lower case).
            message.recipients.iter().any(|r| {
                let h = r.handle.trim();
                h == person.handle || h.to_lowercase() == person.handle
            }),
            "{person:?} is not on the message"
        );
        let (_, last, company) = lead_names(&person);
        assert!(!last.is_empty() && !company.is_empty());
    }
    assert!(body_text(message).chars().count() <= 32_000);
});
