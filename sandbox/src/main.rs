//! The sandbox org on its own: `pane-sandbox --port 4100`, printing its base URL, the demo
//! connected app and the demo users, so any Salesforce client or script can use it.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use pane_sandbox::schema::CustomField;
use pane_sandbox::{SandboxConfig, spawn};

/// A Salesforce-compatible sandbox org.
#[derive(Debug, Parser)]
#[command(name = "pane-sandbox", version)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "SANDBOX_BIND", default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Port (0 picks a free one).
    #[arg(long, env = "SANDBOX_PORT", default_value_t = 4100)]
    port: u16,
    /// SQLite file for the records.
    #[arg(long, env = "SANDBOX_DATABASE", default_value = ".pane/sandbox.sqlite")]
    database: PathBuf,
    /// Keep the records in memory (nothing survives a restart).
    #[arg(long)]
    memory: bool,
    /// Seed this many more records for load work (once; e.g. 1000000).
    #[arg(long)]
    scale: Option<u64>,
    /// Access tokens last this many seconds.
    #[arg(long, default_value_t = 7200)]
    token_ttl_secs: u64,
    /// The daily API allowance.
    #[arg(long, default_value_t = 15_000)]
    daily_requests: u64,
    /// A JSON file with custom fields to add: `[{"object": "Contact", "name": "Tier__c", "label": "Tier", "type": "picklist", "values": ["Gold"]}]`.
    #[arg(long)]
    custom_fields: Option<PathBuf>,
    /// A JSON file of connected apps replacing the demo one:
    /// `[{"client_id": "...", "client_secret": "...", "redirect_uris": ["https://app.example/cb"]}]`.
    #[arg(long)]
    connected_apps: Option<PathBuf>,
    /// Turn off the duplicate rules for Contacts and Leads.
    #[arg(long)]
    no_duplicate_rules: bool,
    /// Serve HTTPS with a certificate made now for 127.0.0.1 and localhost, written (PEM) to
    /// this file for clients to trust (`SSL_CERT_FILE=<file>`).
    #[arg(long, value_name = "CERT_OUT_PEM", conflicts_with_all = ["tls_cert", "tls_key"])]
    tls_self_signed: Option<PathBuf>,
    /// Serve HTTPS with this certificate chain (PEM, leaf first); needs `--tls-key`.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key of `--tls-cert` (PEM).
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Answer as a My Domain org: log in at 127.0.0.1, the APIs at `instance_url` on localhost
    /// (same port), the identity URL on the login host.
    #[arg(long)]
    split_hosts: bool,
    /// A callback URL the demo connected app also accepts (repeatable), as an admin adds a
    /// proxy's `{public url}/oauth/callback` to a real connected app.
    #[arg(long = "callback-url", value_name = "URL")]
    callback_urls: Vec<String>,
    /// Serve this many orgs behind one login host (on `--port`), each on its own port with its
    /// own records and users (`ana@org2.example`...) and its own database file
    /// (`sandbox-2.sqlite`...), as Salesforce serves every org from one login host.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=62))]
    orgs: u64,
}

#[allow(
    clippy::print_stdout,
    reason = "the start banner is for the person who ran it"
)]
fn banner(base: &str, instance: &str, args: &Args, config: &SandboxConfig) {
    println!("Sandbox org listening at {base}");
    if instance != base {
        println!(
            "  instance_url:  {instance}   (My Domain split: APIs here, login and identity at {base})"
        );
    }
    if let Some(cert) = &args.tls_self_signed {
        println!(
            "  certificate:   {} (self-signed; trust it with SSL_CERT_FILE={})",
            cert.display(),
            cert.display()
        );
    }
    for app in &config.apps {
        println!(
            "  connected app: client_id={} client_secret={}",
            app.client_id, app.client_secret
        );
        println!("  callbacks:     {}", app.redirect_uris.join(", "));
    }
    for user in &config.org.users {
        println!(
            "  user:          {} / {} ({})",
            user.username, user.password, user.profile.name
        );
    }
    println!("  token URL:     {base}/services/oauth2/token   REST: {instance}/services/data/");
}

/// mimalloc: the org's reads build and drop many small values (a record's fields), and the
/// system allocator spent about a fifth of a big company's lookup in malloc and free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let mut config = SandboxConfig {
        token_ttl: Duration::from_secs(args.token_ttl_secs),
        daily_requests: args.daily_requests,
        ..SandboxConfig::default()
    };
    config.org.duplicate_rules = !args.no_duplicate_rules;
    config.split_hosts = args.split_hosts;
    for app in &mut config.apps {
        app.redirect_uris.extend(args.callback_urls.iter().cloned());
    }
    let tls = match (&args.tls_self_signed, &args.tls_cert, &args.tls_key) {
        (Some(out), _, _) => pane_sandbox::tls::TlsIdentity::self_signed()
            .and_then(|identity| identity.write_cert(out).map(|()| Some(identity))),
        (None, Some(cert), Some(key)) => {
            pane_sandbox::tls::TlsIdentity::from_files(cert, key).map(Some)
        }
        _ => Ok(None),
    };
    match tls {
        Ok(tls) => config.tls = tls,
        Err(err) => {
            tracing::error!(%err, "cannot serve HTTPS");
            return std::process::ExitCode::FAILURE;
        }
    }
    if !args.memory {
        if let Some(dir) = args.database.parent().filter(|d| !d.as_os_str().is_empty())
            && let Err(err) = std::fs::create_dir_all(dir)
        {
            tracing::error!(%err, dir = %dir.display(), "cannot create the database folder");
            return std::process::ExitCode::FAILURE;
        }
        config.org.database = Some(args.database.clone());
    }
    if let Some(path) = &args.custom_fields {
        match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str::<Vec<CustomField>>(&t).map_err(|e| e.to_string()))
        {
            Ok(fields) => config.org.custom_fields.extend(fields),
            Err(err) => {
                tracing::error!(%err, path = %path.display(), "cannot read the custom fields");
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    if let Some(path) = &args.connected_apps {
        match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        {
            Ok(apps) => config.apps = apps,
            Err(err) => {
                tracing::error!(%err, path = %path.display(), "cannot read the connected apps");
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    if args.orgs > 1 {
        return serve_orgs(&args, &config).await;
    }
    let sandbox = match spawn(SocketAddr::new(args.bind, args.port), config.clone()).await {
        Ok(s) => s,
        Err(err) => {
            tracing::error!(%err, "the sandbox org could not start");
            return std::process::ExitCode::FAILURE;
        }
    };
    if let Some(n) = args.scale {
        let org = &sandbox.state().org;
        if org.store.meta("scaled").ok().flatten().is_none() {
            tracing::info!(n, "seeding records for load work");
            let started = std::time::Instant::now();
            if let Err(err) = pane_sandbox::demo::seed_scale(org, n)
                .and_then(|()| org.store.set_meta("scaled", &n.to_string()))
            {
                tracing::error!(%err, "seeding failed");
                return std::process::ExitCode::FAILURE;
            }
            tracing::info!(seconds = started.elapsed().as_secs_f64(), "seeded");
        }
    }
    banner(&sandbox.base_url(), &sandbox.instance_url(), &args, &config);
    if let Err(err) = tokio::signal::ctrl_c().await {
        tracing::error!(%err, "cannot wait for Ctrl-C");
    }
    sandbox.shutdown();
    std::process::ExitCode::SUCCESS
}

/// The `n`th org of `--orgs` (0 is `config` itself): its demo users and ids, its own database
/// file beside the first's.
fn nth_config(config: &SandboxConfig, n: u64) -> SandboxConfig {
    let mut nth = config.clone();
    if n == 0 {
        return nth;
    }
    let settings = pane_sandbox::demo::nth_settings(n);
    nth.org.users = settings.users;
    nth.org.id_block = settings.id_block;
    nth.org.database = config.org.database.as_ref().map(|path| {
        let stem = path.file_stem().unwrap_or_default().to_string_lossy();
        path.with_file_name(format!("{stem}-{}.sqlite", n + 1))
    });
    nth
}

/// `--orgs N`: the orgs behind one login host, until Ctrl-C.
async fn serve_orgs(args: &Args, config: &SandboxConfig) -> std::process::ExitCode {
    let configs: Vec<SandboxConfig> = (0..args.orgs).map(|n| nth_config(config, n)).collect();
    let orgs = match pane_sandbox::spawn_orgs(
        SocketAddr::new(args.bind, args.port),
        configs.clone(),
    )
    .await
    {
        Ok(orgs) => orgs,
        Err(err) => {
            tracing::error!(%err, "the sandbox orgs could not start");
            return std::process::ExitCode::FAILURE;
        }
    };
    for (org, config) in orgs.orgs().iter().zip(&configs) {
        banner(&orgs.login_url(), &org.instance_url(), args, config);
    }
    if let Err(err) = tokio::signal::ctrl_c().await {
        tracing::error!(%err, "cannot wait for Ctrl-C");
    }
    orgs.shutdown();
    std::process::ExitCode::SUCCESS
}
