//! The proxy client. Every request goes through [`Api`], which counts them, marks them as the
//! panel's own (the browser sends the session cookie), refuses to start one while the panel is
//! hidden, and aborts every one in flight when the panel turns hidden (and each one whose
//! caller gives up). A 401 is reported through [`Auth`] (the session forgets itself; the panel
//! offers to link). [`endpoints`] has one function per proxy call.

pub mod endpoints;

use leptos::prelude::*;
use pane_wire::api::ApiError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use web_sys::AbortController;

use crate::PanelError;

/// What the client tells whoever keeps the session: read before a request, called on a 401.
#[derive(Debug, Clone, Copy)]
pub struct Auth {
    /// Whether the agent may be linked (known unlinked: a 401 then says nothing new).
    pub maybe_linked: Signal<bool>,
    /// Called on a 401 while maybe linked, with the proxy's message when it asks for a new
    /// link (`relink`), else `None`.
    pub on_unauthorized: Callback<Option<String>>,
}

/// The proxy client; `Copy`, provided as a context by [`provide_api`].
#[derive(Debug, Clone, Copy)]
pub struct Api {
    requests: RwSignal<u32>,
    active: Signal<bool>,
    in_flight: StoredValue<Vec<AbortController>, LocalStorage>,
    auth: Option<Auth>,
}

/// An HTTP method the panel uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
}

impl Api {
    /// A client that makes requests only while `active` is true, and reports a 401 to `auth`.
    pub fn new(active: Signal<bool>, auth: Option<Auth>) -> Api {
        let api = Api {
            requests: RwSignal::new(0),
            active,
            in_flight: StoredValue::new_local(Vec::new()),
            auth,
        };
        Effect::new(move |_| {
            if !active.get() {
                api.abort_all();
            }
        });
        api
    }

    /// Whether the client may make requests (the panel can be seen).
    pub fn active(&self) -> Signal<bool> {
        self.active
    }

    /// How many requests the panel has sent to the proxy.
    pub fn requests(&self) -> Signal<u32> {
        self.requests.into()
    }

    /// How many requests are in flight.
    pub fn in_flight(&self) -> usize {
        self.in_flight.with_value(Vec::len)
    }

    /// Aborts every request in flight.
    pub fn abort_all(&self) {
        let controllers = self
            .in_flight
            .try_update_value(std::mem::take)
            .unwrap_or_default();
        for controller in controllers {
            controller.abort();
        }
    }

    /// `GET path` and decode its JSON answer.
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, PanelError> {
        self.send::<(), T>(Method::Get, path, None).await
    }

    /// Sends `body` as JSON and decodes the JSON answer (`null` for 204).
    pub async fn send<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, PanelError> {
        let body = match body {
            Some(body) => {
                Some(serde_json::to_string(body).map_err(|e| PanelError::Network(e.to_string()))?)
            }
            None => None,
        };
        let text = self.send_text(method, path, body).await?;
        let text = if text.is_empty() { "null" } else { &text };
        let parsed =
            serde_json::from_str::<T>(text).map_err(|e| PanelError::Network(e.to_string()));
        crate::marks::hop("parsed", path);
        parsed
    }

    /// Sends `body` (JSON text) and answers the answer's text. Not generic: the request's
    /// code is in the wasm once, not once per answer type (issue 18: the wasm bundle).
    async fn send_text(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
    ) -> Result<String, PanelError> {
        if !self.active.get_untracked() {
            return Err(PanelError::Suspended);
        }
        let controller =
            AbortController::new().map_err(|e| PanelError::Network(format!("{e:?}")))?;
        let signal = controller.signal();
        self.in_flight.update_value(|v| v.push(controller.clone()));
        // Off the list when this ends, and aborted if its caller gives up half-way.
        let mut in_flight = InFlight {
            list: self.in_flight,
            controller,
            done: false,
        };
        self.requests.update(|n| *n += 1);
        // Known unlinked: a 401 then says nothing new.
        let maybe_linked = self.auth.is_some_and(|a| a.maybe_linked.get_untracked());
        let result = async {
            let builder = match method {
                Method::Get => gloo_net::http::Request::get(path),
                Method::Post => gloo_net::http::Request::post(path),
                Method::Put => gloo_net::http::Request::put(path),
                Method::Patch => gloo_net::http::Request::patch(path),
                Method::Delete => gloo_net::http::Request::delete(path),
            };
            let builder = builder.abort_signal(Some(&signal));
            // The session is a cookie the browser sends (the panel never sees it); this header
            // tells the proxy the request is the panel's own (a cross-site page cannot send it).
            let builder = builder.header("X-Pane-Request", "1");
            let request = match body {
                // What gloo's `json` does with the serialized body.
                Some(body) => builder
                    .header("Content-Type", "application/json")
                    .body(body)
                    .map_err(|e| PanelError::Network(e.to_string()))?,
                None => builder
                    .build()
                    .map_err(|e| PanelError::Network(e.to_string()))?,
            };
            let response = request
                .send()
                .await
                .map_err(|e| PanelError::Network(e.to_string()))?;
            let status = response.status();
            if !response.ok() {
                let text = response.text().await.unwrap_or_default();
                return Err(match serde_json::from_str::<ApiError>(&text) {
                    Ok(err) => PanelError::Http {
                        status,
                        message: err.message,
                        code: err.code,
                        fields: err.fields,
                        detail: err.current.map(Box::new),
                        body: None,
                    },
                    // A 409 from a create carries the matches instead of an error.
                    Err(_) => PanelError::Http {
                        status,
                        message: format!("The proxy answered {status}."),
                        code: String::new(),
                        fields: vec![],
                        detail: None,
                        body: Some(text),
                    },
                });
            }
            let text = response
                .text()
                .await
                .map_err(|e| PanelError::Network(e.to_string()))?;
            crate::marks::hop("answer", path);
            Ok(text)
        }
        .await;
        // Over: nothing left to abort (an abort costs the browser a call, on the answer's path).
        in_flight.done = true;
        match result {
            Err(_) if signal.aborted() => Err(PanelError::Aborted),
            Err(PanelError::Http {
                status: 401,
                ref code,
                ref message,
                ..
            }) if maybe_linked => {
                if let Some(auth) = self.auth {
                    auth.on_unauthorized
                        .run((code == "relink").then(|| message.clone()));
                }
                result
            }
            other => other,
        }
    }
}

/// A request on the in-flight list. Dropped when the request ends, or earlier when its caller
/// gives up (a view whose sender changed): then the fetch is aborted, so it costs nothing
/// more and nothing is kept for it. A request that ended is not aborted: the call costs the
/// browser time on the answer's path, for nothing.
struct InFlight {
    list: StoredValue<Vec<AbortController>, LocalStorage>,
    controller: AbortController,
    /// The request ended (answered or failed): dropping it aborts nothing.
    done: bool,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if !self.done {
            self.controller.abort();
        }
        // Gone already if the panel was torn down.
        let _ = self
            .list
            .try_update_value(|v| v.retain(|c| !js_sys::Object::is(c, &self.controller)));
    }
}

/// Creates the client for this panel and provides it to the components below.
pub fn provide_api(active: Signal<bool>, auth: Option<Auth>) -> Api {
    let api = Api::new(active, auth);
    provide_context(api);
    api
}

/// The client provided above.
pub fn use_api() -> Api {
    expect_context::<Api>()
}
