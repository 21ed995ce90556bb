//! Turning what arrives over the port (structured clones) into wire types, and the panel's
//! messages into plain JS objects. Both go through JSON text and serde_json, the decoder the
//! proxy client uses too: one decoder in the wasm, not two (issue 18: the wasm bundle).

use js_sys::{Array, Date, JSON, Reflect};
use pane_wire::bridge::{
    Context, HostMessageType, MessageList, PluginMessage, RecipientList, TeammateList,
};
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};

use crate::PanelError;

/// One message from the host, read.
#[derive(Debug)]
pub enum HostMessage {
    /// A new context.
    ContextUpdate(Box<Context>),
    /// A call's value, left as it came (each caller decodes its own).
    FunctionResult {
        /// The call's id.
        id: String,
        /// The value.
        value: JsValue,
    },
    /// A call failed.
    FunctionError {
        /// The call's id.
        id: String,
        /// The host's reason.
        error: String,
    },
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn decode_error(err: impl std::fmt::Display) -> PanelError {
    PanelError::Decode(err.to_string())
}

/// Reads a structured clone as `T`: its JSON text (what `JSON.stringify` writes; `null` for
/// what it cannot write, such as `undefined`), decoded.
pub fn from_js<T: DeserializeOwned>(value: &JsValue) -> Result<T, PanelError> {
    let text = JSON::stringify(value)
        .map_err(|_| decode_error("a value that cannot be read"))
        .map(JsValue::from)?
        .as_string()
        .unwrap_or_else(|| "null".to_owned());
    serde_json::from_str(&text).map_err(decode_error)
}

/// Reads a port message; `Ok(None)` for messages of a type the panel does not handle.
pub fn host_message(data: &JsValue) -> Result<Option<HostMessage>, PanelError> {
    let kind = get(data, "type");
    let Ok(kind) = from_js::<HostMessageType>(&kind) else {
        return Ok(None);
    };
    let id = || {
        get(data, "id")
            .as_string()
            .ok_or_else(|| decode_error("a function answer without an id"))
    };
    Ok(Some(match kind {
        HostMessageType::ContextUpdate => {
            HostMessage::ContextUpdate(Box::new(context(&get(data, "context"))?))
        }
        HostMessageType::FunctionResult => HostMessage::FunctionResult {
            id: id()?,
            value: get(data, "value"),
        },
        HostMessageType::FunctionError => HostMessage::FunctionError {
            id: id()?,
            error: {
                let error = get(data, "error");
                error.as_string().unwrap_or_else(|| format!("{error:?}"))
            },
        },
    }))
}

/// Decodes a context.
pub fn context(value: &JsValue) -> Result<Context, PanelError> {
    from_js(value)
}

/// Decodes `listMessages`' value. Message dates arrive as JS `Date`s (structured clone) and
/// become epoch milliseconds.
pub fn message_list(value: &JsValue) -> Result<MessageList, PanelError> {
    let results = get(value, "results");
    if let Some(results) = results.dyn_ref::<Array>() {
        for message in results.iter() {
            let date = get(&message, "date");
            if let Some(date) = date.dyn_ref::<Date>() {
                Reflect::set(
                    &message,
                    &JsValue::from_str("date"),
                    &JsValue::from_f64(date.get_time()),
                )
                .map_err(|_| decode_error("a message that cannot be read"))?;
            }
        }
    }
    from_js(value)
}

/// Decodes `listTeammates`' value.
pub fn teammate_list(value: &JsValue) -> Result<TeammateList, PanelError> {
    from_js(value)
}

/// Decodes `listRecipients`' value.
pub fn recipient_list(value: &JsValue) -> Result<RecipientList, PanelError> {
    from_js(value)
}

/// Encodes a message for the host as plain JS objects (never `Map`s).
pub fn plugin_message(message: &PluginMessage) -> Result<JsValue, PanelError> {
    let text = serde_json::to_string(message).map_err(decode_error)?;
    JSON::parse(&text).map_err(|_| decode_error("a message that cannot be sent"))
}
