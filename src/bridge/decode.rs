//! Turning what arrives over the port (structured clones) into wire types.

use js_sys::{Array, Date, Reflect};
use pane_wire::bridge::{
    Context, HostMessageType, MessageList, PluginMessage, RecipientList, TeammateList,
};
use serde::Serialize;
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

/// Reads a port message; `Ok(None)` for messages of a type the panel does not handle.
pub fn host_message(data: &JsValue) -> Result<Option<HostMessage>, PanelError> {
    let kind = get(data, "type");
    let Ok(kind) = serde_wasm_bindgen::from_value::<HostMessageType>(kind) else {
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
    serde_wasm_bindgen::from_value(value.clone()).map_err(decode_error)
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
    serde_wasm_bindgen::from_value(value.clone()).map_err(decode_error)
}

/// Decodes `listTeammates`' value.
pub fn teammate_list(value: &JsValue) -> Result<TeammateList, PanelError> {
    serde_wasm_bindgen::from_value(value.clone()).map_err(decode_error)
}

/// Decodes `listRecipients`' value.
pub fn recipient_list(value: &JsValue) -> Result<RecipientList, PanelError> {
    serde_wasm_bindgen::from_value(value.clone()).map_err(decode_error)
}

/// Encodes a message for the host as plain JS objects (never `Map`s).
pub fn plugin_message(message: &PluginMessage) -> Result<JsValue, PanelError> {
    message
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(decode_error)
}
