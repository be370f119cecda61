//! `govwire healthcheck`: probes a running `serve` at `/healthz` and exits 0 (healthy) or 1.
//!
//! The container image has no shell and no curl, so Docker's `HEALTHCHECK` runs this (as
//! Miniflux does with `miniflux -healthcheck`). It needs no config file: the address comes from
//! `--url`, else `GOVWIRE_LISTEN` (set in the image), else `listen` in the config if there is
//! one, else `127.0.0.1:8080`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

/// What `govwire healthcheck` was asked.
#[derive(clap::Args)]
pub struct HealthArgs {
    /// The URL to probe (default: `/healthz` on the address `serve` listens on).
    #[arg(long)]
    pub url: Option<String>,
    /// Seconds to wait for the answer.
    #[arg(long, default_value_t = 5)]
    pub timeout: u64,
}

/// The `/healthz` URL of the local `serve`: a wildcard listen address (`0.0.0.0`, `::`) is
/// probed on loopback.
pub fn default_url(listen: SocketAddr) -> String {
    let ip = match listen.ip() {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}/healthz", SocketAddr::new(ip, listen.port()))
}

fn listen_address(config_path: &Path) -> SocketAddr {
    if let Some(addr) = std::env::var("GOVWIRE_LISTEN")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return addr;
    }
    govwire::config::load(config_path)
        .map(|c| c.settings.listen)
        .unwrap_or(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8080))
}

/// Probes once; prints nothing when healthy, one line on stderr naming the URL otherwise.
pub async fn run(config_path: &Path, args: HealthArgs) -> anyhow::Result<ExitCode> {
    let url = args
        .url
        .unwrap_or_else(|| default_url(listen_address(config_path)));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(args.timeout.max(1)))
        .build()?;
    match client.get(&url).send().await {
        Ok(resp) if resp.status().is_success() => Ok(ExitCode::SUCCESS),
        Ok(resp) => {
            eprintln!("unhealthy: {url} answered {}", resp.status());
            Ok(ExitCode::from(1))
        }
        Err(e) => {
            let why = if e.is_timeout() {
                "no answer in time".to_string()
            } else if e.is_connect() {
                "nothing listens there (is govwire serve running?)".to_string()
            } else {
                e.to_string()
            };
            eprintln!("unhealthy: {url}: {why}");
            Ok(ExitCode::from(1))
        }
    }
}
