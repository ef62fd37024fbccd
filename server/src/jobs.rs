//! Runs the platform's timed jobs (`carecircle_core::jobs`: SOS escalation, the booking sweep,
//! plan generation, health-check reminders) on a short tick, on the blocking pool. Every
//! instance ticks; the core lets one run each job once (a lease in the database), so several
//! instances on one PostgreSQL database share the work without doubling it.

use crate::state::AppState;
use std::time::{Duration, Instant};

pub fn spawn(state: AppState, tick: Duration) {
    let holder = format!("instance-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    tracing::info!(%holder, tick_s = tick.as_secs_f64(), "jobs scheduled");
    tokio::spawn(async move {
        let mut every = tokio::time::interval(tick);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let (cc, me) = (state.cc.clone(), holder.clone());
            let began = Instant::now();
            match tokio::task::spawn_blocking(move || cc.run_due_jobs(&me)).await {
                Ok(Ok(runs)) => {
                    for r in runs {
                        let ms = (r.finished_at - r.started_at).num_milliseconds();
                        match &r.outcome {
                            Ok(done) => tracing::info!(job = r.job.code(), holder = %r.holder, ms, outcome = %done, "job ran"),
                            Err(e) => tracing::warn!(job = r.job.code(), holder = %r.holder, ms, error = %e, "job failed"),
                        }
                    }
                }
                Ok(Err(e)) => tracing::warn!(error = %e, ms = began.elapsed().as_millis() as u64, "could not claim the due jobs"),
                Err(e) => tracing::error!(error = %e, "a job panicked"),
            }
        }
    });
}
