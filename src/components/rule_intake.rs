//! Settings, for admins: where the host sends the org's rule webhooks (the org's own intake
//! URL, one per action) and the secret that signs them, with a Rotate action. After a
//! rotation the previous secret is still accepted for a day, so the sender can switch.

use leptos::prelude::*;
use leptos::task::spawn_local;
use pane_wire::api::RuleIntake;

use crate::api::{endpoints, use_api};

/// The rule actions, as their webhook URLs end.
const ACTIONS: [(&str, &str); 2] = [
    ("Send to Salesforce", "send-to-salesforce"),
    ("Create lead", "create-lead"),
];

/// How long the previous secret is still accepted, in words.
fn grace_text(until_ms: i64, now_ms: i64) -> String {
    let hours = (until_ms - now_ms).max(0).div_euclid(3_600_000);
    match hours {
        0 => "The previous secret is accepted for less than an hour more.".to_owned(),
        1 => "The previous secret is accepted for 1 more hour.".to_owned(),
        n => format!("The previous secret is accepted for {n} more hours."),
    }
}

/// The org's rule intake (admins).
#[component]
pub fn RuleIntakeView() -> impl IntoView {
    let api = use_api();
    let intake = RwSignal::new(None::<RuleIntake>);
    let status = RwSignal::new(None::<String>);
    let shown = RwSignal::new(false);
    spawn_local(async move {
        match endpoints::rule_intake(api).await {
            Ok(v) => intake.set(Some(v)),
            Err(err) => status.set(Some(err.to_string())),
        }
    });
    let rotate = move |_| {
        spawn_local(async move {
            match endpoints::rotate_rule_intake(api).await {
                Ok(v) => {
                    intake.set(Some(v));
                    shown.set(true);
                    status.set(Some("New secret made: give it to the sender.".into()));
                }
                Err(err) => status.set(Some(err.to_string())),
            }
        });
    };
    view! {
        <section class="rule-intake" data-testid="rule-intake">
            <h2>"Rule webhooks"</h2>
            {move || intake.get().map(|i| {
                #[allow(clippy::cast_possible_truncation, reason = "ms since the epoch")]
                let now = js_sys::Date::now() as i64;
                let grace = i.previous_valid_until.map(|until| grace_text(until, now));
                let secret = i.secret.clone();
                view! {
                    <p class="hint">"Front sends this org's rules here, signed with the secret below."</p>
                    <ul>
                        {ACTIONS.iter().map(|(label, action)| view! {
                            <li>{format!("{label}: ")}<code data-testid="rule-intake-url">{format!("{}/{action}", i.url)}</code></li>
                        }).collect_view()}
                    </ul>
                    <p>"Secret: "
                        <code data-testid="rule-intake-secret">{move || if shown.get() { secret.clone() } else { "••••••••".to_owned() }}</code>
                        " "
                        <button type="button" class="button small secondary" data-testid="show-rule-secret"
                            on:click=move |_| shown.update(|s| *s = !*s)>{move || if shown.get() { "Hide" } else { "Show" }}</button>
                    </p>
                    {grace.map(|g| view! { <p class="hint" data-testid="rule-intake-grace">{g}</p> })}
                }.into_any()
            })}
            <button type="button" class="button small" data-testid="rotate-rule-secret" on:click=rotate>"Rotate secret"</button>
            {move || status.get().map(|s| view! { <p class="hint" role="status">{s}</p> }.into_any())}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grace_left_in_hours() {
        let hour = 3_600_000;
        let cases = [
            (24 * hour, 0, "for 24 more hours"),
            (hour + 5, 0, "for 1 more hour."),
            (hour - 1, 0, "less than an hour"),
            (0, hour, "less than an hour"),
        ];
        for (until, now, want) in cases {
            let text = grace_text(until, now);
            assert!(text.contains(want), "{until} {now}: {text}");
        }
    }
}
