//! Pure decisions the panel takes from a context: which handle to look up in Salesforce, and
//! who else takes part in the conversation.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::text::lowercase;

use super::{
    Context, ContextKind, ConversationType, HandleKind, Message, MessageStatus, Recipient, Teammate,
};

/// Email domains anyone can get an address at: sharing one says nothing about a company.
pub const FREE_MAIL_DOMAINS: &[&str] = &[
    "aol.com",
    "gmail.com",
    "googlemail.com",
    "gmx.com",
    "gmx.de",
    "gmx.net",
    "hey.com",
    "hotmail.co.uk",
    "hotmail.com",
    "hotmail.fr",
    "icloud.com",
    "live.com",
    "mac.com",
    "mail.com",
    "mail.ru",
    "me.com",
    "msn.com",
    "outlook.com",
    "pm.me",
    "proton.me",
    "protonmail.com",
    "qq.com",
    "web.de",
    "yahoo.co.uk",
    "yahoo.com",
    "yahoo.fr",
    "yandex.com",
    "yandex.ru",
    "zoho.com",
];

/// Whether `domain` is a free-mail domain (case-insensitive).
pub fn is_free_mail(domain: &str) -> bool {
    FREE_MAIL_DOMAINS
        .iter()
        .any(|d| d.eq_ignore_ascii_case(domain.trim()))
}

/// The domain of an email address, lower-cased.
pub fn email_domain(email: &str) -> Option<String> {
    email
        .trim()
        .rsplit_once('@')
        .map(|(_, d)| lowercase(d))
        .filter(|d| d.contains('.'))
}

/// An address Salesforce records can be matched on, normalised for comparison.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Handle {
    /// Email or phone.
    pub kind: HandleKind,
    /// The address: emails trimmed and lower-cased, phones trimmed as the host gave them.
    pub value: String,
    /// The display name the host knows, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Handle {
    /// The handle of a recipient, if it is an email address or a phone number.
    pub fn from_recipient(recipient: &Recipient) -> Option<Handle> {
        let value = recipient.handle.trim();
        let kind = match recipient.kind.as_str() {
            "email" => HandleKind::Email,
            "phone" => HandleKind::Phone,
            "" if looks_like_email(value) => HandleKind::Email,
            "" if looks_like_phone(value) => HandleKind::Phone,
            _ => return None,
        };
        let value = match kind {
            HandleKind::Email if looks_like_email(value) => lowercase(value),
            HandleKind::Phone if looks_like_phone(value) => value.to_owned(),
            _ => return None,
        };
        let name = recipient
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty() && !n.eq_ignore_ascii_case(&value))
            .map(str::to_owned);
        Some(Handle { kind, value, name })
    }

    /// The key two handles are the same person by.
    fn key(&self) -> String {
        match self.kind {
            HandleKind::Email => self.value.clone(),
            HandleKind::Phone => self.value.chars().filter(char::is_ascii_digit).collect(),
        }
    }
}

fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && domain.contains('.') && !s.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

fn looks_like_phone(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    digits >= 3
        && s.chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
}

/// What the panel should look up for a context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LookupTarget {
    /// No conversation is open.
    NoConversation,
    /// Several conversations are selected.
    Several {
        /// How many.
        count: usize,
    },
    /// The conversation's channel is not one Salesforce matching applies to.
    Unsupported {
        /// The channel.
        channel: ConversationType,
    },
    /// A supported channel, but no usable address for its main recipient.
    NoHandle {
        /// The channel.
        channel: ConversationType,
    },
    /// Look this handle up.
    Handle {
        /// The channel.
        channel: ConversationType,
        /// The first address of the conversation.
        handle: Handle,
    },
    /// A context that is not about conversations (a message menu, background mode...).
    NotAConversation,
}

/// Decides what to look up: the main recipient of an email, SMS or phone-call conversation.
pub fn lookup_target(ctx: &Context) -> LookupTarget {
    match ctx.kind {
        ContextKind::NoConversation | ContextKind::NoConversationPopover => {
            LookupTarget::NoConversation
        }
        ContextKind::MultiConversations => match ctx.conversations.len() {
            0 => LookupTarget::NoConversation,
            count => LookupTarget::Several { count },
        },
        ContextKind::SingleConversation | ContextKind::SingleConversationPopover => {
            let Some(conversation) = &ctx.conversation else {
                return LookupTarget::NoConversation;
            };
            let channel = conversation.kind;
            let Some(kind) = channel.handle_kind() else {
                return LookupTarget::Unsupported { channel };
            };
            match conversation
                .recipient
                .as_ref()
                .and_then(Handle::from_recipient)
                .filter(|h| h.kind == kind)
            {
                Some(handle) => LookupTarget::Handle { channel, handle },
                None => LookupTarget::NoHandle { channel },
            }
        }
        ContextKind::Message | ContextKind::BackgroundMode | ContextKind::Unknown => {
            LookupTarget::NotAConversation
        }
    }
}

/// Everyone outside the team who takes part in the conversation, first address first.
///
/// The first is the main recipient (what [`lookup_target`] chose); the others come from the
/// messages' `from`, `replyTo`, `to`, `cc` and `bcc`, in order, deduplicated (emails without
/// case, phones by digits). The team is left out: the context's teammate and `teammates`,
/// the inbox's channels, whoever sent an outbound message, and every address at the team's
/// own email domains (the teammates' domains, free-mail ones excepted).
pub fn participants(ctx: &Context, messages: &[Message], teammates: &[Teammate]) -> Vec<Handle> {
    let mut team: HashSet<String> = HashSet::new();
    let mut team_domains: HashSet<String> = HashSet::new();
    for teammate in ctx.teammate.iter().chain(teammates) {
        team.insert(lowercase(teammate.email.trim()));
        if let Some(domain) = email_domain(&teammate.email).filter(|d| !is_free_mail(d)) {
            team_domains.insert(domain);
        }
    }
    if let Some(conversation) = &ctx.conversation {
        for channel in &conversation.channels {
            team.insert(lowercase(channel.address.trim()));
        }
    }
    for message in messages {
        if message.status == MessageStatus::Outbound
            && let Some(handle) = Handle::from_recipient(&message.from)
        {
            team.insert(handle.key());
        }
    }
    let team_key = |h: &Handle| {
        team.contains(&h.key())
            || team.contains(&h.value)
            || (h.kind == HandleKind::Email
                && email_domain(&h.value).is_some_and(|d| team_domains.contains(&d)))
    };

    let first = match lookup_target(ctx) {
        LookupTarget::Handle { handle, .. } => Some(handle),
        _ => None,
    };
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let everyone = messages.iter().flat_map(|m| {
        std::iter::once(&m.from)
            .chain(m.reply_to.iter())
            .chain(m.to.iter())
            .chain(m.cc.iter().flatten())
            .chain(m.bcc.iter().flatten())
    });
    for handle in first
        .into_iter()
        .chain(everyone.filter_map(Handle::from_recipient))
    {
        if team_key(&handle) || !seen.insert(handle.key()) {
            continue;
        }
        out.push(handle);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bridge::{Conversation, Teammate};

    fn recipient(handle: &str, kind: &str) -> Recipient {
        Recipient {
            handle: handle.into(),
            name: None,
            kind: kind.into(),
        }
    }

    fn ctx(kind: ContextKind, conversation: Option<Conversation>) -> Context {
        Context {
            id: "ctx".into(),
            kind,
            function_arities: Default::default(),
            teammate: Some(Teammate {
                id: "tea_1".into(),
                name: "Ana".into(),
                username: "ana".into(),
                email: "Ana@Pane.example".into(),
                is_admin: None,
            }),
            company: None,
            entry_point: None,
            conversation,
            conversations: vec![],
        }
    }

    fn conversation(kind: ConversationType, recipient: Option<Recipient>) -> Conversation {
        Conversation {
            id: "cnv".into(),
            kind,
            status: None,
            subject: None,
            blurb: None,
            recipient,
            channels: vec![],
        }
    }

    fn single(kind: ConversationType, handle: &str, handle_kind: &str) -> Context {
        ctx(
            ContextKind::SingleConversation,
            Some(conversation(kind, Some(recipient(handle, handle_kind)))),
        )
    }

    fn handle(kind: HandleKind, value: &str) -> Handle {
        Handle {
            kind,
            value: value.into(),
            name: None,
        }
    }

    #[test]
    fn the_main_recipient_of_an_email_sms_or_call_is_looked_up() {
        use ConversationType::*;
        // (channel, recipient handle, its type, the handle looked up)
        let cases = [
            (Email, " Rose@Edge.com ", "email", "rose@edge.com"),
            (Email, "a@b.co", "", "a@b.co"),
            (Sms, "+15125550123", "phone", "+15125550123"),
            (PhoneCall, "(512) 555-0123", "phone", "(512) 555-0123"),
        ];
        for (channel, value, kind, looked_up) in cases {
            let handle_kind = match channel {
                Email => HandleKind::Email,
                _ => HandleKind::Phone,
            };
            assert_eq!(
                lookup_target(&single(channel, value, kind)),
                LookupTarget::Handle {
                    channel,
                    handle: handle(handle_kind, looked_up),
                },
                "{channel:?} {value:?} {kind:?}"
            );
        }
    }

    #[test]
    fn other_channels_and_unusable_recipients_are_not_looked_up() {
        use ConversationType::*;
        type Expected = fn(ConversationType) -> LookupTarget;
        let unsupported: Expected = |channel| LookupTarget::Unsupported { channel };
        let no_handle: Expected = |channel| LookupTarget::NoHandle { channel };
        let cases = [
            (Whatsapp, "+15125550123", "whatsapp", unsupported),
            (FrontChat, "x", "frontChat", unsupported),
            (Other, "x", "custom", unsupported),
            (Email, "@rose", "twitter", no_handle),
            (Email, "rose at edge", "email", no_handle),
            (Sms, "a@b.co", "email", no_handle),
        ];
        for (channel, value, kind, expected) in cases {
            let got = lookup_target(&single(channel, value, kind));
            assert_eq!(got, expected(channel), "{channel:?} {value:?} {kind:?}");
        }
        let no_recipient = ctx(
            ContextKind::SingleConversation,
            Some(conversation(Email, None)),
        );
        assert_eq!(
            lookup_target(&no_recipient),
            LookupTarget::NoHandle { channel: Email }
        );
    }

    #[test]
    fn contexts_without_a_single_conversation() {
        use ContextKind::*;
        use LookupTarget::{NoConversation as Nothing, NotAConversation};
        let cases = [
            (NoConversation, Nothing),
            (SingleConversation, Nothing),
            (NoConversationPopover, Nothing),
            (MultiConversations, Nothing),
            (Message, NotAConversation),
            (BackgroundMode, NotAConversation),
            (Unknown, NotAConversation),
        ];
        for (kind, expected) in cases {
            let name = format!("{kind:?}");
            assert_eq!(lookup_target(&ctx(kind, None)), expected, "{name}");
        }
        let several = Context {
            conversations: vec![
                conversation(ConversationType::Email, None),
                conversation(ConversationType::Sms, None),
            ],
            ..ctx(MultiConversations, None)
        };
        assert_eq!(lookup_target(&several), LookupTarget::Several { count: 2 });
    }

    #[test]
    fn display_name_is_kept_unless_it_repeats_the_address() {
        let mut r = recipient("rose@edge.com", "email");
        r.name = Some("Rose Gonzalez".into());
        assert_eq!(
            Handle::from_recipient(&r).unwrap().name.as_deref(),
            Some("Rose Gonzalez")
        );
        r.name = Some("ROSE@edge.com".into());
        assert_eq!(Handle::from_recipient(&r).unwrap().name, None);
    }

    fn message(status: MessageStatus, from: &str, to: &[&str], cc: &[&str]) -> Message {
        Message {
            id: "msg".into(),
            subject: None,
            date: None,
            status,
            from: recipient(from, "email"),
            reply_to: None,
            to: to.iter().map(|h| recipient(h, "email")).collect(),
            cc: Some(cc.iter().map(|h| recipient(h, "email")).collect()),
            bcc: None,
            content: None,
        }
    }

    /// The handles [`participants`] lists, as written.
    fn participant_values(
        context: &Context,
        messages: &[Message],
        teammates: &[Teammate],
    ) -> Vec<String> {
        participants(context, messages, teammates)
            .into_iter()
            .map(|h| h.value)
            .collect()
    }

    #[test]
    fn participants_first_address_first_then_others_without_the_team() {
        let mut context = single(ConversationType::Email, "rose@edge.com", "email");
        context.conversation.as_mut().unwrap().channels = vec![crate::bridge::Channel {
            kind: "email".into(),
            address: "support@pane.example".into(),
            name: None,
        }];
        let messages = vec![
            message(
                MessageStatus::Inbound,
                "sean@edge.com",
                &["support@pane.example"],
                &["ROSE@edge.com", "lisa@edge.com"],
            ),
            message(
                MessageStatus::Outbound,
                "replies@pane.example",
                &["sean@edge.com", "rose@edge.com"],
                &["ana@pane.example"],
            ),
            message(
                MessageStatus::Inbound,
                "rose@edge.com",
                &["replies@pane.example"],
                &["jack@burlington.com"],
            ),
        ];
        let got = participant_values(&context, &messages, &[]);
        assert_eq!(
            got,
            [
                "rose@edge.com",
                "sean@edge.com",
                "lisa@edge.com",
                "jack@burlington.com"
            ]
        );
    }

    #[test]
    fn participants_leave_out_every_teammate_and_the_team_domain() {
        let context = single(ConversationType::Email, "sean@edge.com", "email");
        let ben = Teammate {
            id: "tea_2".into(),
            name: "Ben".into(),
            username: "ben".into(),
            email: "ben@elsewhere.example".into(),
            is_admin: None,
        };
        let messages = vec![message(
            MessageStatus::Inbound,
            "sean@edge.com",
            &["billing@pane.example"],
            &[
                "BEN@elsewhere.example",
                "rose@edge.com",
                "carl@elsewhere.example",
            ],
        )];
        let got = participant_values(&context, &messages, &[ben]);
        assert_eq!(got, ["sean@edge.com", "rose@edge.com"]);
    }

    #[test]
    fn a_free_mail_teammate_does_not_hide_free_mail_customers() {
        let mut context = single(ConversationType::Email, "zoe@gmail.com", "email");
        context.teammate.as_mut().unwrap().email = "ana.agent@gmail.com".into();
        let messages = vec![message(
            MessageStatus::Inbound,
            "zoe@gmail.com",
            &["ana.agent@gmail.com"],
            &["max@gmail.com"],
        )];
        let got = participant_values(&context, &messages, &[]);
        assert_eq!(got, ["zoe@gmail.com", "max@gmail.com"]);
    }

    #[test]
    fn domains_and_free_mail() {
        assert_eq!(email_domain(" Rose@Edge.COM ").as_deref(), Some("edge.com"));
        assert_eq!(email_domain("nobody"), None);
        assert_eq!(email_domain("a@localhost"), None);
        assert!(is_free_mail("GMAIL.com"));
        assert!(!is_free_mail("edge.com"));
    }

    #[test]
    fn participants_dedupe_phones_by_digits() {
        let context = single(ConversationType::Sms, "+1 (512) 555-0123", "phone");
        let mut m = message(MessageStatus::Inbound, "x", &[], &[]);
        m.from = recipient("+15125550123", "phone");
        m.to = vec![recipient("+15125559999", "phone")];
        let got = participants(&context, &[m], &[]);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].value, "+1 (512) 555-0123");
        assert_eq!(got[1].value, "+15125559999");
    }

    #[test]
    fn participants_without_a_target_still_list_outsiders() {
        let context = ctx(ContextKind::NoConversation, None);
        let m = message(
            MessageStatus::Inbound,
            "sean@edge.com",
            &["ana@pane.example"],
            &[],
        );
        let got = participant_values(&context, &[m], &[]);
        assert_eq!(got, ["sean@edge.com"]);
    }
}
