//! Matching a sender to Salesforce records in one Salesforce request: [`plan`] builds the
//! composite for a handle (user text escaped), [`answer`] reads its answer into the panel's
//! data, the person's and the Account's [`notes`] included. All pure; the proxy sends the one
//! request between them.

pub mod answer;
pub mod notes;
pub mod plan;
