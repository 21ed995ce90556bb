//! Rules: Front calls the proxy when an agent's rule fires (*Send to Salesforce*, *Create lead
//! in Salesforce*). [`intake`] checks the webhook's signature over the raw body and queues the
//! event durably (once per event and action) before answering; [`worker`] does the Salesforce
//! work in the background with leases, retries ([`retry`]) and markers so each job happens
//! exactly once; [`audit`] lists the jobs for admins. [`event`] holds the pure decisions.

pub mod audit;
pub mod batch;
pub mod event;
pub mod intake;
pub mod plan;
pub mod retry;
pub mod signature;
pub mod worker;

/// The actions, as the URL names them and as the queue stores them.
pub const ACTIONS: &[(&str, &str)] = &[
    ("send-to-salesforce", "send_to_salesforce"),
    ("create-lead", "create_lead"),
];
