//! What every handler shares: the core handle (one `CareCircle`, on SQLite or PostgreSQL) and
//! the session cache. Core calls block, so they run on tokio's blocking pool.

use crate::auth::SessionCache;
use crate::throttle::{LoginThrottle, PasswordGate};
use crate::error::ApiError;
use carecircle_core::CareCircle;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub cc: Arc<CareCircle>,
    pub sessions: Arc<SessionCache>,
    pub token_lifetime: chrono::Duration,
    pub throttle: Arc<LoginThrottle>,
    pub passwords: Arc<PasswordGate>,
    /// Live delivery's watcher and open streams.
    pub live: Arc<crate::live::Live>,
}

impl AppState {
    /// Runs a core call on the blocking pool; a panic in it is a 500, never a crash.
    pub async fn blocking<T: Send + 'static>(&self, f: impl FnOnce(&CareCircle) -> carecircle_core::Result<T> + Send + 'static) -> Result<T, ApiError> {
        let cc = self.cc.clone();
        match tokio::task::spawn_blocking(move || f(&cc)).await {
            Ok(r) => r.map_err(ApiError::from),
            Err(e) => {
                tracing::error!(error = %e, "a core call panicked");
                Err(ApiError::internal())
            }
        }
    }
}
