//! Pure decisions behind the panel's components, tested as tables: which input a field gets,
//! what a form checks before saving, which senders' panels are kept and when they are read
//! again, which built views are shown again, how inline editing moves between states, how
//! values show.

pub mod display;
pub mod edit;
pub mod form;
pub mod kept;
pub mod read_plan;
pub mod recent;
