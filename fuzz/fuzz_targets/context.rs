//! Any JSON the host could send as a context: decoding answers without panicking, and the
//! lookup decisions on a decoded context do too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pane_wire::bridge::{Context, lookup_target, participants};

fuzz_target!(|data: &[u8]| {
    let Ok(context) = serde_json::from_slice::<Context>(data) else { return };
    let _ = lookup_target(&context);
    let _ = participants(&context, &[], &[]);
});
