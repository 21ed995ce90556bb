//! The marks a composite puts on the requests it runs through the org's own router, so the
//! layers that wrap every request (the allowance, the faults, the URI limit, the host split)
//! know a subrequest from a request of its own.

/// Marks a request run inside a composite (not counted again).
#[derive(Debug, Clone, Copy)]
pub struct Subrequest;

/// Marks a request run inside a Composite Batch: counted as its own API call, but not a
/// request of its own to the faults and the URI limit.
#[derive(Debug, Clone, Copy)]
pub struct BatchSubrequest;

/// Whether a request is run inside a composite or a Composite Batch: the layers that act once
/// per HTTP request (the faults, the URI limit, the host split) let these through untouched.
pub fn is_subrequest<B>(request: &axum::http::Request<B>) -> bool {
    let extensions = request.extensions();
    extensions.get::<Subrequest>().is_some() || extensions.get::<BatchSubrequest>().is_some()
}
