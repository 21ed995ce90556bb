//! Front's event payload (full event data), and the pure decisions on it: whose record a
//! message is logged on, whether it is logged at all, and what a new Lead is made of.

use pane_wire::bridge::{email_domain, is_free_mail};
use serde::{Deserialize, Serialize};

/// A Front event.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Event {
    /// `evt_...`.
    pub id: String,
    /// `inbound`, `outbound`, `out_reply`...
    #[serde(rename = "type", default)]
    pub kind: String,
    /// What the event is about.
    pub target: Target,
}

/// The event's target.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Target {
    /// The message.
    pub data: Message,
}

/// A message.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Message {
    /// `msg_...`.
    pub id: String,
    /// `email`, `sms`, `phone-call`, `call`, `whatsapp`...
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Received rather than sent.
    #[serde(default)]
    pub is_inbound: bool,
    /// Seconds since the epoch.
    #[serde(default)]
    pub created_at: f64,
    /// Subject.
    #[serde(default)]
    pub subject: Option<String>,
    /// The teammate who sent it.
    #[serde(default)]
    pub author: Option<Author>,
    /// Everyone on it.
    #[serde(default)]
    pub recipients: Vec<Recipient>,
    /// Its text.
    #[serde(default)]
    pub text: Option<String>,
    /// Its blurb, when there is no text.
    #[serde(default)]
    pub blurb: Option<String>,
}

/// A teammate.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Author {
    /// Their email.
    #[serde(default)]
    pub email: String,
}

/// A recipient.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Recipient {
    /// Address or phone number.
    pub handle: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// `from`, `to`, `cc`, `bcc`, `reply-to`.
    #[serde(default)]
    pub role: String,
}

/// Whom a message is about, outside the team.
#[derive(Debug, Clone, PartialEq)]
pub struct Counterpart {
    /// The handle, trimmed (emails lower-cased).
    pub handle: String,
    /// A phone number rather than an email.
    pub is_phone: bool,
    /// Display name.
    pub name: Option<String>,
}

/// What to do with a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Act on the counterpart.
    Act(Counterpart),
    /// Leave it, saying why.
    Skip(&'static str),
}

fn domain_of(handle: &str) -> Option<String> {
    email_domain(handle)
}

/// Whether the message is a voice call.
pub fn is_call(message: &Message) -> bool {
    matches!(message.kind.as_str(), "phone-call" | "call" | "phoneCall")
}

/// The person outside the team a message is with: its sender when inbound, its first `to`
/// recipient when outbound; `Skip` for messages within the team, on the never-log list, or on
/// a channel that cannot be matched.
pub fn counterpart(message: &Message, never_log: &[String]) -> Decision {
    if !matches!(
        message.kind.as_str(),
        "email" | "sms" | "phone-call" | "call" | "phoneCall" | "custom" | ""
    ) {
        return Decision::Skip("not an email, SMS or call");
    }
    let role = if message.is_inbound { "from" } else { "to" };
    let Some(person) = message.recipients.iter().find(|r| r.role == role) else {
        return Decision::Skip("the message has no counterpart address");
    };
    let handle = person.handle.trim();
    let is_phone = !handle.contains('@');
    let usable = if is_phone {
        handle.chars().filter(char::is_ascii_digit).count() >= 3
    } else {
        handle
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty())
    };
    if !usable {
        return Decision::Skip("the counterpart's address is not an email or a phone number");
    }
    let handle = if is_phone {
        handle.to_owned()
    } else {
        handle.to_lowercase()
    };
    // The team's domains: the teammate who wrote it, and the inbox an inbound message came to.
    let mut team: Vec<String> = message
        .author
        .as_ref()
        .and_then(|a| domain_of(&a.email))
        .into_iter()
        .collect();
    if message.is_inbound {
        team.extend(
            message
                .recipients
                .iter()
                .filter(|r| r.role == "to")
                .filter_map(|r| domain_of(&r.handle)),
        );
    }
    if let Some(domain) = domain_of(&handle)
        && team.contains(&domain)
    {
        return Decision::Skip("a message between teammates");
    }
    let listed = never_log.iter().map(|n| n.trim().to_lowercase()).any(|n| {
        !n.is_empty()
            && (n == handle || domain_of(&handle).is_some_and(|d| d == n.trim_start_matches('@')))
    });
    if listed {
        return Decision::Skip("on the never-log list");
    }
    Decision::Act(Counterpart {
        handle,
        is_phone,
        name: person.name.clone().filter(|n| !n.trim().is_empty()),
    })
}

/// A new Lead's `(FirstName, LastName, Company)` for a counterpart: the display name split,
/// the company from the email's domain unless it is a free-mail one.
pub fn lead_names(person: &Counterpart) -> (String, String, String) {
    let name = person.name.clone().unwrap_or_else(|| {
        person
            .handle
            .split('@')
            .next()
            .unwrap_or_default()
            .replace(['.', '_'], " ")
    });
    let name = name.trim();
    let (first, last) = match name.rsplit_once(' ') {
        Some((f, l)) => (f.trim().to_owned(), l.trim().to_owned()),
        None => (String::new(), name.to_owned()),
    };
    let last = if last.is_empty() {
        person.handle.clone()
    } else {
        last
    };
    let company = domain_of(&person.handle)
        .filter(|d| !is_free_mail(d))
        .and_then(|d| d.split('.').next().map(str::to_owned))
        .map(|c| {
            let c = c.replace('-', " ");
            let mut chars = c.chars();
            chars
                .next()
                .map(|f| f.to_uppercase().collect::<String>() + chars.as_str())
                .unwrap_or_default()
        })
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "[not provided]".to_owned());
    (first, last, company)
}

/// A message's text for the activity: its text, else its blurb, at most 32,000 characters.
pub fn body_text(message: &Message) -> String {
    let text = message
        .text
        .clone()
        .or_else(|| message.blurb.clone())
        .unwrap_or_default();
    text.chars().take(32_000).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rcpt(handle: &str, role: &str) -> Recipient {
        Recipient {
            handle: handle.into(),
            name: Some("Zoe Quint".into()),
            role: role.into(),
        }
    }

    fn message(
        kind: &str,
        inbound: bool,
        author: Option<&str>,
        recipients: Vec<Recipient>,
    ) -> Message {
        Message {
            id: "msg_1".into(),
            kind: kind.into(),
            is_inbound: inbound,
            created_at: 1_795_000_000.0,
            subject: Some("Hi".into()),
            author: author.map(|e| Author { email: e.into() }),
            recipients,
            text: Some("Hello".into()),
            blurb: None,
        }
    }

    #[test]
    fn who_a_message_is_with() {
        let inbox = "support@pane-support.example";
        let cases = [
            (
                "inbound email",
                message(
                    "email",
                    true,
                    None,
                    vec![rcpt("Zoe@Kites.example", "from"), rcpt(inbox, "to")],
                ),
                Decision::Act(Counterpart {
                    handle: "zoe@kites.example".into(),
                    is_phone: false,
                    name: Some("Zoe Quint".into()),
                }),
            ),
            (
                "outbound email",
                message(
                    "email",
                    false,
                    Some("ana@pane-support.example"),
                    vec![
                        rcpt(inbox, "from"),
                        rcpt("zoe@kites.example", "to"),
                        rcpt("x@y.example", "cc"),
                    ],
                ),
                Decision::Act(Counterpart {
                    handle: "zoe@kites.example".into(),
                    is_phone: false,
                    name: Some("Zoe Quint".into()),
                }),
            ),
            (
                "a call",
                message(
                    "phone-call",
                    true,
                    None,
                    vec![rcpt("+1 512 757 9340", "from")],
                ),
                Decision::Act(Counterpart {
                    handle: "+1 512 757 9340".into(),
                    is_phone: true,
                    name: Some("Zoe Quint".into()),
                }),
            ),
            (
                "between teammates",
                message(
                    "email",
                    false,
                    Some("ana@pane-support.example"),
                    vec![rcpt(inbox, "from"), rcpt("ben@pane-support.example", "to")],
                ),
                Decision::Skip("a message between teammates"),
            ),
            (
                "a teammate writing in",
                message(
                    "email",
                    true,
                    None,
                    vec![rcpt("ben@pane-support.example", "from"), rcpt(inbox, "to")],
                ),
                Decision::Skip("a message between teammates"),
            ),
            (
                "never-log domain",
                message(
                    "email",
                    true,
                    None,
                    vec![rcpt("bot@noreply.example", "from"), rcpt(inbox, "to")],
                ),
                Decision::Skip("on the never-log list"),
            ),
            (
                "never-log handle",
                message(
                    "email",
                    true,
                    None,
                    vec![rcpt("Ceo@Big.example", "from"), rcpt(inbox, "to")],
                ),
                Decision::Skip("on the never-log list"),
            ),
            (
                "whatsapp",
                message("whatsapp", true, None, vec![rcpt("+1", "from")]),
                Decision::Skip("not an email, SMS or call"),
            ),
            (
                "no sender",
                message("email", true, None, vec![rcpt(inbox, "to")]),
                Decision::Skip("the message has no counterpart address"),
            ),
        ];
        let never = ["noreply.example".to_owned(), "ceo@big.example".to_owned()];
        for (name, m, want) in cases {
            assert_eq!(counterpart(&m, &never), want, "{name}");
        }
    }

    #[test]
    fn unusable_addresses_are_skipped() {
        // Found by the webhook fuzz target: an empty handle made a Lead without a Last Name.
        for handle in ["", "   ", "@", "x@", "@y.example", "call me", "+1"] {
            let m = message(
                "email",
                true,
                None,
                vec![
                    rcpt(handle, "from"),
                    rcpt("support@pane-support.example", "to"),
                ],
            );
            assert_eq!(
                counterpart(&m, &[]),
                Decision::Skip("the counterpart's address is not an email or a phone number"),
                "{handle:?}"
            );
        }
    }

    #[test]
    fn non_ascii_capitals_are_lower_cased_like_the_panel_does() {
        // Found by the webhook fuzz target (its oracle compared ASCII-case-insensitively).
        let m = message(
            "email",
            true,
            None,
            vec![
                rcpt("Ҍob@Example.org", "from"),
                rcpt("support@pane-support.example", "to"),
            ],
        );
        let Decision::Act(person) = counterpart(&m, &[]) else {
            panic!("a counterpart")
        };
        assert_eq!(person.handle, "ҍob@example.org");
        assert_eq!(person.handle, "Ҍob@Example.org".to_lowercase());
    }

    #[test]
    fn new_leads_are_named_from_the_sender() {
        let p = |handle: &str, name: Option<&str>| Counterpart {
            handle: handle.into(),
            is_phone: !handle.contains('@'),
            name: name.map(Into::into),
        };
        assert_eq!(
            lead_names(&p("zoe@quintessential-kites.example", Some("Zoe Quint"))),
            ("Zoe".into(), "Quint".into(), "Quintessential kites".into())
        );
        assert_eq!(
            lead_names(&p("jo.doe@gmail.com", None)),
            ("jo".into(), "doe".into(), "[not provided]".into())
        );
        assert_eq!(
            lead_names(&p("+15125550100", None)),
            (
                String::new(),
                "+15125550100".into(),
                "[not provided]".into()
            )
        );
    }
}
