//! Contexts and the records they carry, as the host pushes them.
//!
//! Only what the panel reads is declared; everything else on the wire is ignored. Optional
//! members are `Option`s or default to empty, because Front leaves them `undefined`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What the host shows: no conversation, one, several, or something else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ContextKind {
    /// Nothing is open.
    #[serde(rename = "noConversation")]
    NoConversation,
    /// One conversation is open.
    #[serde(rename = "singleConversation")]
    SingleConversation,
    /// Several conversations are selected.
    #[serde(rename = "multiConversations")]
    MultiConversations,
    /// A popover over the composer with no conversation (Front's popover entry point).
    #[serde(rename = "noConversationPopover")]
    NoConversationPopover,
    /// A popover over one conversation.
    #[serde(rename = "singleConversationPopover")]
    SingleConversationPopover,
    /// A message's "more" menu.
    #[serde(rename = "message")]
    Message,
    /// Front's background mode (semantics undocumented).
    #[serde(rename = "background_mode")]
    BackgroundMode,
    /// A type this panel does not know yet.
    #[serde(other)]
    Unknown,
}

impl ContextKind {
    /// The name on the wire, e.g. `singleConversation`.
    pub fn wire_name(&self) -> &'static str {
        match self {
            ContextKind::NoConversation => "noConversation",
            ContextKind::SingleConversation => "singleConversation",
            ContextKind::MultiConversations => "multiConversations",
            ContextKind::NoConversationPopover => "noConversationPopover",
            ContextKind::SingleConversationPopover => "singleConversationPopover",
            ContextKind::Message => "message",
            ContextKind::BackgroundMode => "background_mode",
            ContextKind::Unknown => "unknown",
        }
    }
}

/// A context pushed by the host (`context_update`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Context {
    /// New on every push; function calls name it.
    pub id: String,
    /// The context's type.
    #[serde(rename = "type")]
    pub kind: ContextKind,
    /// The functions callable on this context, with their arity counting the cancel token.
    #[serde(rename = "functionArities", default)]
    pub function_arities: BTreeMap<String, u32>,
    /// The agent using the host. Not authenticated: never trusted for access.
    #[serde(default)]
    pub teammate: Option<Teammate>,
    /// The host's company.
    #[serde(default)]
    pub company: Option<Company>,
    /// How the plugin was opened.
    #[serde(rename = "entryPoint", default)]
    pub entry_point: Option<EntryPoint>,
    /// The open conversation (`singleConversation` and its popover).
    #[serde(default)]
    pub conversation: Option<Conversation>,
    /// The selected conversations (`multiConversations`).
    #[serde(default)]
    pub conversations: Vec<Conversation>,
}

impl Context {
    /// Whether the host lets this context call `name`.
    pub fn has_function(&self, name: &str) -> bool {
        self.function_arities.contains_key(name)
    }
}

/// A teammate of the host app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Teammate {
    /// `tea_...`.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Username.
    #[serde(default)]
    pub username: String,
    /// Email address.
    #[serde(default)]
    pub email: String,
    /// Whether the teammate administers the host's company.
    #[serde(default)]
    pub is_admin: Option<bool>,
}

/// The host's company.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Company {
    /// `cmp_...`.
    pub id: String,
    /// Name.
    #[serde(default)]
    pub name: String,
}

/// How the plugin was opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryPoint {
    /// `SIDE_PANEL`, `URL`, `CONTACT_HANDLE`...
    #[serde(rename = "type")]
    pub kind: String,
}

/// The channel a conversation happens on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ConversationType {
    /// Email.
    Email,
    /// SMS.
    Sms,
    /// A voice call.
    PhoneCall,
    /// WhatsApp.
    Whatsapp,
    /// Front Chat.
    FrontChat,
    /// An internal discussion between teammates.
    Internal,
    /// A custom channel.
    Custom,
    /// A tweet.
    Tweet,
    /// A Twitter direct message.
    TwitterDm,
    /// Google Play reviews.
    GooglePlay,
    /// Intercom.
    Intercom,
    /// Smooch (Sunshine Conversations).
    Smooch,
    /// Facebook Messenger.
    Facebook,
    /// A channel this panel does not know yet.
    #[serde(other)]
    Other,
}

impl ConversationType {
    /// Salesforce matching applies to email, SMS and phone calls only.
    pub fn is_supported(self) -> bool {
        matches!(self, Self::Email | Self::Sms | Self::PhoneCall)
    }

    /// The handle kind a supported channel is matched on.
    pub fn handle_kind(self) -> Option<HandleKind> {
        match self {
            Self::Email => Some(HandleKind::Email),
            Self::Sms | Self::PhoneCall => Some(HandleKind::Phone),
            _ => None,
        }
    }

    /// How an agent calls the channel.
    pub fn label(self) -> &'static str {
        match self {
            Self::Email => "Email",
            Self::Sms => "SMS",
            Self::PhoneCall => "Phone call",
            Self::Whatsapp => "WhatsApp",
            Self::FrontChat => "Front Chat",
            Self::Internal => "Internal discussion",
            Self::Custom => "Custom channel",
            Self::Tweet => "Tweet",
            Self::TwitterDm => "Twitter DM",
            Self::GooglePlay => "Google Play",
            Self::Intercom => "Intercom",
            Self::Smooch => "Smooch",
            Self::Facebook => "Facebook",
            Self::Other => "This channel",
        }
    }
}

/// The kinds of handle Salesforce records can be matched on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum HandleKind {
    /// An email address.
    Email,
    /// A phone number.
    Phone,
}

/// A conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    /// `cnv_...`.
    pub id: String,
    /// The channel.
    #[serde(rename = "type")]
    pub kind: ConversationType,
    /// `open`, `archived`...
    #[serde(default)]
    pub status: Option<String>,
    /// Subject line.
    #[serde(default)]
    pub subject: Option<String>,
    /// A short excerpt.
    #[serde(default)]
    pub blurb: Option<String>,
    /// The main recipient: generally the sender of the last inbound message.
    #[serde(default)]
    pub recipient: Option<Recipient>,
    /// The inbox's own channels (addresses that belong to the team).
    #[serde(default)]
    pub channels: Vec<Channel>,
}

/// A channel of the team's inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Channel {
    /// `email`, `sms`...
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The channel's own address (the team's, never a customer's).
    #[serde(default)]
    pub address: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
}

/// A participant of a conversation or message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipient {
    /// The address: an email, a phone number, a Twitter handle...
    pub handle: String,
    /// Display name, when known.
    #[serde(default)]
    pub name: Option<String>,
    /// `email`, `phone`, `twitter`, `whatsapp`, `custom`...
    #[serde(rename = "type", default)]
    pub kind: String,
}

/// One page of a paginated answer (`listMessages`, `listTeammates`...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The page's items.
    pub results: Vec<T>,
    /// The token for the next page, if any.
    #[serde(rename = "nextPageToken", default)]
    pub next_page_token: Option<String>,
}

/// The answer of `listMessages`.
pub type MessageList = Page<Message>;

/// The answer of `listTeammates`.
pub type TeammateList = Page<Teammate>;

/// The answer of `listRecipients`.
pub type RecipientList = Page<Recipient>;

/// Inbound (from a customer) or outbound (from a teammate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageStatus {
    /// Received from outside.
    Inbound,
    /// Sent by a teammate.
    Outbound,
}

/// A message, as `listMessages` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// `msg_...`.
    pub id: String,
    /// Subject line.
    #[serde(default)]
    pub subject: Option<String>,
    /// When it was sent, in epoch milliseconds. The host sends a JS `Date` (structured
    /// clone); the panel turns it into milliseconds before decoding.
    #[serde(default)]
    pub date: Option<f64>,
    /// Inbound or outbound.
    pub status: MessageStatus,
    /// The sender.
    pub from: Recipient,
    /// Reply-To, when set.
    #[serde(rename = "replyTo", default)]
    pub reply_to: Option<Recipient>,
    /// To.
    #[serde(default)]
    pub to: Vec<Recipient>,
    /// Cc.
    #[serde(default)]
    pub cc: Option<Vec<Recipient>>,
    /// Bcc.
    #[serde(default)]
    pub bcc: Option<Vec<Recipient>>,
    /// Its body, when the host gives it.
    #[serde(default)]
    pub content: Option<MessageContent>,
}

/// A message's body, as `listMessages` gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageContent {
    /// The body.
    #[serde(default)]
    pub body: String,
    /// `html` or `text`.
    #[serde(rename = "type", default)]
    pub kind: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample_context() -> serde_json::Value {
        json!({
            "id": "ctx_1", "type": "singleConversation",
            "entryPointId": "ep_1", "hostId": "host_1",
            "functionArities": {"listMessages": 2, "openUrl": 2},
            "preferences": {}, "authentication": {},
            "teammate": {"id": "tea_1", "name": "Ana Agent", "username": "ana", "email": "ana@pane.example"},
            "company": {"id": "cmp_1", "name": "Pane Support"},
            "entryPoint": {"type": "SIDE_PANEL"},
            "conversation": {
                "id": "cnv_1", "type": "email", "status": "open", "subject": "Hello",
                "recipient": {"handle": "rose@edge.com", "name": "Rose Gonzalez", "type": "email"},
                "inboxes": [], "tags": [], "topics": [], "links": [],
                "channels": [{"type": "email", "address": "support@pane.example", "name": "Support"}]
            }
        })
    }

    #[test]
    fn decodes_a_single_conversation_context() {
        let ctx: Context = serde_json::from_value(sample_context()).unwrap();
        assert_eq!(ctx.kind, ContextKind::SingleConversation);
        assert!(ctx.has_function("openUrl"));
        assert!(!ctx.has_function("search"));
        let conversation = ctx.conversation.as_ref().unwrap();
        assert_eq!(conversation.kind, ConversationType::Email);
        assert_eq!(
            conversation.recipient.as_ref().unwrap().handle,
            "rose@edge.com"
        );
        assert_eq!(conversation.channels[0].address, "support@pane.example");
        let again: Context = serde_json::from_value(serde_json::to_value(&ctx).unwrap()).unwrap();
        assert_eq!(again, ctx);
    }

    #[test]
    fn unknown_context_and_conversation_types_decode() {
        let mut raw = sample_context();
        raw["type"] = json!("somethingNew");
        raw["conversation"]["type"] = json!("carrierPigeon");
        let ctx: Context = serde_json::from_value(raw).unwrap();
        assert_eq!(ctx.kind, ContextKind::Unknown);
        assert_eq!(ctx.conversation.unwrap().kind, ConversationType::Other);
    }

    #[test]
    fn every_context_type_decodes() {
        for (name, kind) in [
            ("noConversation", ContextKind::NoConversation),
            ("singleConversation", ContextKind::SingleConversation),
            ("multiConversations", ContextKind::MultiConversations),
            ("noConversationPopover", ContextKind::NoConversationPopover),
            (
                "singleConversationPopover",
                ContextKind::SingleConversationPopover,
            ),
            ("message", ContextKind::Message),
            ("background_mode", ContextKind::BackgroundMode),
        ] {
            let ctx: Context = serde_json::from_value(json!({"id": "c", "type": name})).unwrap();
            assert_eq!(ctx.kind, kind, "{name}");
            assert_eq!(serde_json::to_value(&ctx.kind).unwrap(), json!(name));
            assert_eq!(ctx.kind.wire_name(), name);
        }
    }

    #[test]
    fn message_list_round_trips() {
        let raw = json!({
            "results": [{
                "id": "msg_1", "subject": "Hi", "date": 1_700_000_000_000.0_f64, "status": "inbound",
                "from": {"handle": "a@x.com", "name": "A", "type": "email"},
                "to": [{"handle": "support@pane.example", "type": "email"}],
                "cc": [{"handle": "b@x.com", "type": "email"}],
                "content": {"body": "<p>Hi</p>", "type": "html", "attachments": []}
            }],
            "nextPageToken": null
        });
        let list: MessageList = serde_json::from_value(raw).unwrap();
        assert_eq!(list.results[0].status, MessageStatus::Inbound);
        assert_eq!(list.results[0].cc.as_ref().unwrap()[0].handle, "b@x.com");
        assert_eq!(list.results[0].bcc, None);
        let again: MessageList =
            serde_json::from_value(serde_json::to_value(&list).unwrap()).unwrap();
        assert_eq!(again, list);
    }

    #[test]
    fn supported_channels_are_email_sms_and_calls() {
        use ConversationType::*;
        for (ty, supported) in [
            (Email, true),
            (Sms, true),
            (PhoneCall, true),
            (Whatsapp, false),
            (FrontChat, false),
            (Internal, false),
            (Custom, false),
            (Tweet, false),
            (Other, false),
        ] {
            assert_eq!(ty.is_supported(), supported, "{ty:?}");
            assert_eq!(ty.handle_kind().is_some(), supported, "{ty:?}");
        }
    }
}
