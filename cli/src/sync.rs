//! `carecircle sync`: syncs this phone database with the district platform, as the app does.

use crate::output::{Output, table};
use carecircle_core::sync::Credentials;
use carecircle_core::{CareCircle, Error, Result};
use clap::Args;

#[derive(Args)]
pub struct SyncArgs {
    /// The platform, e.g. http://127.0.0.1:8080
    #[arg(long, env = "CARECIRCLE_SERVER")]
    server: String,
    /// The account to sign in as (the database stays bound to it).
    #[arg(long)]
    user: String,
    #[arg(long, env = "CARECIRCLE_PASSWORD", hide_env_values = true)]
    password: String,
}

pub fn sync(cc: &CareCircle, out: &Output, a: SyncArgs) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| Error::Network(e.to_string()))?;
    let report = runtime.block_on(cc.sync(&a.server, &Credentials { login: a.user, password: a.password }))?;
    let outbox = cc.outbox()?;
    out.either(&serde_json::json!({ "report": report, "outbox": outbox }), || {
        println!("applied {} change(s), refused {}; pulled {} row(s) in {} page(s); {} retr(ies)", report.applied, report.refused.len(), report.rows, report.pages, report.retries);
        let refused: Vec<Vec<String>> = outbox
            .iter()
            .filter(|e| e.state == "rejected")
            .map(|e| vec![e.command.subject().id, e.error_code.map(|c| c.to_string()).unwrap_or_default(), e.error.clone().unwrap_or_default()])
            .collect();
        if !refused.is_empty() {
            println!("refused by the platform (the platform's state now shows):");
            table(&["record", "code", "reason"], &refused);
        }
        let pending = outbox.iter().filter(|e| e.state == "pending").count();
        if pending > 0 {
            println!("{pending} change(s) still wait to be sent");
        }
    })
}
