//! `/composite` (subrequests with `@{ref.path}` references and `allOrNone`), sObject
//! collections (`/composite/sobjects`), each one API call, and Composite Batch
//! (`/composite/batch`), one call per subrequest. Salesforce's limits on them are enforced
//! here, each beside the page it comes from.

mod batch;
mod checks;
mod collections;
mod dispatch;
mod references;
mod request;
mod retrieve;
mod undo;

pub use batch::batch;
pub use collections::{create_many, delete_many, update_many, upsert_many};
pub use request::composite;
pub use retrieve::{retrieve_many, retrieve_many_post};
