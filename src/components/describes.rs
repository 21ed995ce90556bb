//! Describes, each fetched once per object while the panel is seen; a fetch the panel's
//! hiding cut short is asked again when it is seen again.

use std::collections::{HashMap, HashSet};

use futures::future::{FutureExt, LocalBoxFuture};
use leptos::prelude::*;
use leptos::task::spawn_local;
use pane_wire::api::ObjectSpec;

use crate::PanelError;
use crate::api::{Api, endpoints};
use crate::split::{answered, on_demand};

/// The describes read so far; `Copy`, provided by [`provide_describes`].
#[derive(Debug, Clone, Copy)]
pub struct DescribeCache {
    api: Api,
    describes: RwSignal<HashMap<String, ObjectSpec>>,
    asked: StoredValue<HashSet<String>>,
    /// Bumped when a fetch was paused (hidden half-way): whoever looked asks again.
    paused: RwSignal<u32>,
}

impl DescribeCache {
    /// The describe of `object`: `None` until fetched. The fetch starts on the first ask made
    /// while the panel is seen; a caller in a reactive scope that got `None` runs again when
    /// the panel is seen again or a paused fetch gave up, and so asks again.
    pub fn describe(&self, object: &str) -> Option<ObjectSpec> {
        let found = self.describes.with(|d| d.get(object).cloned());
        if found.is_some() {
            return found;
        }
        self.paused.track();
        if self.api.active().get() {
            let first = self
                .asked
                .try_update_value(|a| a.insert(object.to_owned()))
                .unwrap_or(false);
            if first {
                self.fetch(object.to_owned());
            }
        }
        None
    }

    fn fetch(self, object: String) {
        spawn_local(async move {
            match answered(describe_read(self.api, object.clone())).await {
                Ok(spec) => {
                    self.describes.try_update(|d| {
                        d.insert(object, spec);
                    });
                }
                Err(err) => {
                    // Asked again on the next look: at once when the panel was hidden
                    // half-way (it looks again when seen), else the next time it renders.
                    self.asked.try_update_value(|a| {
                        a.remove(&object);
                    });
                    if err.is_pause() {
                        self.paused.try_update(|n| *n += 1);
                    }
                }
            }
        });
    }

    /// Forgets the describes (the admin's mandatory fields changed).
    pub fn forget(&self) {
        self.asked.update_value(HashSet::clear);
        self.describes.update(HashMap::clear);
    }
}

on_demand! {
    /// Reads the describe of `object` (its own module: `crate::split`; the records are drawn
    /// without it, with API names until it comes).
    pub(super) fn describe_read(api: Api, object: String) -> LocalBoxFuture<'static, Result<ObjectSpec, PanelError>>, prefetch prefetch_describe, {
        async move { endpoints::describe(api, &object).await }.boxed_local()
    }
}

/// Creates the describe cache over `api` and provides it to the components below.
pub fn provide_describes(api: Api) -> DescribeCache {
    let cache = DescribeCache {
        api,
        describes: RwSignal::new(HashMap::new()),
        asked: StoredValue::new(HashSet::new()),
        paused: RwSignal::new(0),
    };
    provide_context(cache);
    cache
}

/// The describe cache provided above.
pub fn use_describes() -> DescribeCache {
    expect_context::<DescribeCache>()
}
