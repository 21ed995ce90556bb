//! The proxy client. Every request goes through [`Api`], which counts them, refuses to start
//! one while the panel is hidden, and aborts every one in flight when the panel turns hidden.

use leptos::prelude::*;
use pane_wire::api::ApiError;
use serde::de::DeserializeOwned;
use web_sys::AbortController;

use crate::PanelError;

/// The proxy client; `Copy`, provided as a context by [`provide_api`].
#[derive(Debug, Clone, Copy)]
pub struct Api {
    requests: RwSignal<u32>,
    active: Signal<bool>,
    in_flight: StoredValue<Vec<AbortController>, LocalStorage>,
}

impl Api {
    /// A client that makes requests only while `active` is true.
    pub fn new(active: Signal<bool>) -> Api {
        let api = Api {
            requests: RwSignal::new(0),
            active,
            in_flight: StoredValue::new_local(Vec::new()),
        };
        Effect::new(move |_| {
            if !active.get() {
                api.abort_all();
            }
        });
        api
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
        if !self.active.get_untracked() {
            return Err(PanelError::Suspended);
        }
        let controller =
            AbortController::new().map_err(|e| PanelError::Network(format!("{e:?}")))?;
        let signal = controller.signal();
        self.in_flight.update_value(|v| v.push(controller.clone()));
        self.requests.update(|n| *n += 1);
        let result = async {
            let response = gloo_net::http::Request::get(path)
                .abort_signal(Some(&signal))
                .send()
                .await
                .map_err(|e| PanelError::Network(e.to_string()))?;
            if !response.ok() {
                let status = response.status();
                let message = match response.json::<ApiError>().await {
                    Ok(err) => err.message,
                    Err(_) => format!("The proxy answered {status}."),
                };
                return Err(PanelError::Http { status, message });
            }
            response
                .json::<T>()
                .await
                .map_err(|e| PanelError::Network(e.to_string()))
        }
        .await;
        self.in_flight
            .update_value(|v| v.retain(|c| !js_sys::Object::is(c, &controller)));
        match result {
            Err(_) if signal.aborted() => Err(PanelError::Aborted),
            other => other,
        }
    }
}

/// Creates the client for this panel and provides it to the components below.
pub fn provide_api(active: Signal<bool>) -> Api {
    let api = Api::new(active);
    provide_context(api);
    api
}

/// The client provided above.
pub fn use_api() -> Api {
    expect_context::<Api>()
}
