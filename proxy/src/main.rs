//! The proxy's binary: parse the config, start logging, serve until Ctrl-C or SIGTERM.

use clap::Parser;
use pane_proxy::{Config, telemetry};

/// mimalloc: the org's reads build and drop many small values (a record's fields), and the
/// system allocator spent about a fifth of a big company's lookup in malloc and free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = Config::parse();
    telemetry::init(config.log_format);
    match pane_proxy::run(config, pane_proxy::shutdown_signal()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(%err, "proxy stopped");
            std::process::ExitCode::FAILURE
        }
    }
}
