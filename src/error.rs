//! The panel's one error enum: what the bridge and the proxy client can fail with.

/// Everything a bridge call or a proxy request can end with instead of a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PanelError {
    /// No context has arrived from the host yet.
    #[error("The inbox has not connected yet.")]
    NotConnected,
    /// The current context has no such function (the SDK's own wording).
    #[error("{name} is not a valid function for context {context}.")]
    NotAFunction {
        /// The function asked for.
        name: String,
        /// The context's type.
        context: String,
    },
    /// The host answered a call with `function_error`.
    #[error("The inbox refused: {0}")]
    HostRefused(String),
    /// The host sent something the panel cannot read.
    #[error("The inbox sent a message the panel cannot read: {0}")]
    Decode(String),
    /// The bridge went away before the host answered.
    #[error("The call was cancelled.")]
    Cancelled,
    /// Not started: the panel is hidden, and makes no request while hidden.
    #[error("Paused while the panel is hidden.")]
    Suspended,
    /// Started, then aborted because the panel was hidden.
    #[error("Stopped because the panel was hidden.")]
    Aborted,
    /// The request did not reach the proxy.
    #[error("The proxy cannot be reached: {0}")]
    Network(String),
    /// A part of the panel in a wasm module of its own (`crate::split`) could not be fetched.
    #[error(
        "Part of the panel could not be loaded. Check the connection and try again; if \
         Salesforce Pane was just updated, reload it."
    )]
    NotLoaded,
    /// The proxy answered with an error.
    #[error("{message}")]
    Http {
        /// HTTP status.
        status: u16,
        /// The proxy's message.
        message: String,
        /// The proxy's code (`unauthorized`, `conflict`, `rejected`, `quota_reserve`...).
        code: String,
        /// The fields the error is about.
        fields: Vec<String>,
        /// For a conflict: the record as it is now.
        detail: Option<Box<serde_json::Value>>,
        /// The answer's body when it is not an error (a create refused for duplicates carries
        /// the matches), for the caller to decode straight into what it expects.
        body: Option<String>,
    },
}

impl PanelError {
    /// The proxy's error code, if the proxy answered one.
    pub fn code(&self) -> Option<&str> {
        match self {
            PanelError::Http { code, .. } => Some(code.as_str()),
            _ => None,
        }
    }

    /// Whether this is the panel being hidden rather than a failure.
    pub fn is_pause(&self) -> bool {
        matches!(self, PanelError::Suspended | PanelError::Aborted)
    }
}
