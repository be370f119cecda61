//! `govwire sources`: each configured source with its crawl health.

use std::path::Path;
use std::process::ExitCode;

/// Prints one block per source.
pub fn run(config_path: &Path) -> anyhow::Result<ExitCode> {
    let config = super::load_config(config_path)?;
    let store = super::open_store(&config)?;
    for s in &config.sources {
        let h = store.health(&s.id)?.unwrap_or_default();
        let state = if h.broken {
            "BROKEN"
        } else if h.consecutive_failures > 0 {
            "failing"
        } else if h.last_success.is_some() {
            "ok"
        } else {
            "never crawled"
        };
        println!("{} ({}) [{}] {}", s.id, s.name, state, s.url);
        if let Some(t) = h.last_success {
            println!("  last success: {t}");
        }
        if let (Some(t), Some(e)) = (h.last_error_at, &h.last_error) {
            println!(
                "  last error:   {t}: {e} ({} in a row)",
                h.consecutive_failures
            );
        }
        if let Some(t) = h.next_due {
            println!("  next due:     {t}");
        }
        println!(
            "  articles:     {} stored, {} on last listing",
            h.articles_total, h.last_candidates
        );
    }
    Ok(ExitCode::SUCCESS)
}
