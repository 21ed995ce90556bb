//! Saving a field edited in place: the request and what its answer means for the edit. Its own
//! wasm module in the release build (`crate::split`): nothing of it is on the first paint.

use futures::future::{FutureExt, LocalBoxFuture};
use pane_wire::api::FieldSpec;
use serde_json::Value;

use crate::PanelError;
use crate::api::{Api, endpoints};
use crate::model::edit::EditEvent;
use crate::model::form::{to_json, with_labels};
use crate::split::on_demand;

/// What the agent typed in a field, to save.
#[derive(Debug)]
pub struct Save {
    /// The proxy.
    pub api: Api,
    /// The record's object.
    pub object: String,
    /// The record's id.
    pub id: String,
    /// The field.
    pub field: FieldSpec,
    /// What was typed, as the input holds it.
    pub text: String,
    /// When the record was loaded (an HTTP date), for the conflict check; `None` overwrites.
    pub loaded_at: Option<String>,
}

on_demand! {
    /// Saves `save` (its own module: `crate::split`): the edit's event for the proxy's answer,
    /// and the value sent.
    pub fn save_field(save: Save) -> LocalBoxFuture<'static, (EditEvent, Value)>, prefetch prefetch_save_field, {
        save.run().boxed_local()
    }
}

impl Save {
    async fn run(self) -> (EditEvent, Value) {
        let typed = to_json(&self.field, &self.text);
        let mut fields = serde_json::Map::new();
        fields.insert(self.field.name.clone(), typed.clone());
        let answer = endpoints::update_record(
            self.api,
            &self.object,
            &self.id,
            &fields,
            self.loaded_at.as_deref(),
        )
        .await;
        let event = match answer {
            Ok(()) => EditEvent::Saved,
            // Changed in Salesforce since it was loaded: the proxy sends what it says now.
            Err(err) if err.code() == Some("conflict") => EditEvent::Conflicted(match &err {
                PanelError::Http {
                    detail: Some(current),
                    ..
                } => current
                    .get(&self.field.name)
                    .cloned()
                    .unwrap_or(Value::Null),
                _ => Value::Null,
            }),
            Err(err) => EditEvent::Failed(with_labels(
                &err.to_string(),
                std::slice::from_ref(&self.field),
            )),
        };
        (event, typed)
    }
}
