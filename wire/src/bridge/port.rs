//! Messages that travel over the bridge's `MessagePort`.

use serde::{Deserialize, Serialize};

/// The one window message a plugin sends its parent, transferring the port.
pub const HANDSHAKE: &str = "@frontapp/ui-sdk#WebViewBridge.handshake";

/// The `type` of a message from the host. The payloads are read by the receiver: a context
/// is decoded into [`crate::bridge::Context`], a function's value by whoever called it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HostMessageType {
    /// `{type, context}`: a new context; every push has a new `context.id`.
    ContextUpdate,
    /// `{type, id, value}`: the answer to a function call.
    FunctionResult,
    /// `{type, id, error}`: a function call failed or was refused; `error` is a string.
    FunctionError,
}

/// A message from the plugin to the host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PluginMessage {
    /// Call a function of the current context (one named in its `functionArities`).
    FunctionCall {
        /// Unique per call; the host's answer carries it back.
        id: String,
        /// The context the call belongs to.
        #[serde(rename = "contextId")]
        context_id: String,
        /// The function's name, e.g. `listMessages`.
        name: String,
        /// The arguments, without the trailing cancel token.
        args: Vec<serde_json::Value>,
    },
    /// The plugin no longer wants the answer to call `id`.
    FunctionCancel {
        /// The call's id.
        id: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn function_call_has_the_sdk_shape() {
        let call = PluginMessage::FunctionCall {
            id: "c1".into(),
            context_id: "ctx9".into(),
            name: "openUrl".into(),
            args: vec![json!("https://example.com")],
        };
        let wire = json!({"type": "function_call", "id": "c1", "contextId": "ctx9",
                          "name": "openUrl", "args": ["https://example.com"]});
        assert_eq!(serde_json::to_value(&call).unwrap(), wire);
        assert_eq!(serde_json::from_value::<PluginMessage>(wire).unwrap(), call);
    }

    #[test]
    fn function_cancel_has_the_sdk_shape() {
        let cancel = PluginMessage::FunctionCancel { id: "c1".into() };
        let wire = json!({"type": "function_cancel", "id": "c1"});
        assert_eq!(serde_json::to_value(&cancel).unwrap(), wire);
        assert_eq!(
            serde_json::from_value::<PluginMessage>(wire).unwrap(),
            cancel
        );
    }

    #[test]
    fn host_message_types_use_wire_names() {
        for (ty, name) in [
            (HostMessageType::ContextUpdate, "context_update"),
            (HostMessageType::FunctionResult, "function_result"),
            (HostMessageType::FunctionError, "function_error"),
        ] {
            assert_eq!(serde_json::to_value(ty).unwrap(), json!(name));
            assert_eq!(
                serde_json::from_value::<HostMessageType>(json!(name)).unwrap(),
                ty
            );
        }
    }
}
