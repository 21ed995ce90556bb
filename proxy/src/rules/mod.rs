//! Rules: Front calls the proxy when an agent's rule fires (*Send to Salesforce*, *Create lead
//! in Salesforce*), at the org's own intake URL ([`tenant`]). [`intake`] checks the webhook's
//! signature over the raw body with that org's secret and queues the event durably for that
//! org (once per event and action) before answering; [`worker`] does the Salesforce work in
//! the background as the job's org's integration user, with leases, retries ([`retry`]) and
//! markers so each job happens exactly once, taking an org's burst together ([`batch`], gathered
//! by [`gather`]); [`audit`] lists an org's jobs for its admins.
//! [`event`] holds the pure decisions.

pub mod audit;
pub mod batch;
pub mod event;
pub mod gather;
pub mod gatherer;
pub mod intake;
pub mod plan;
pub mod retry;
pub mod signature;
pub mod tenant;
pub mod worker;

/// The actions, as the URL names them and as the queue stores them.
pub const ACTIONS: &[(&str, &str)] = &[
    ("send-to-salesforce", "send_to_salesforce"),
    ("create-lead", "create_lead"),
];
