//! The platform's timed jobs: SOS escalation, the booking sweep (expiry, no-show), care-plan
//! generation and health-check reminders. The rules are the modules' own (`escalate_alerts`,
//! `sweep`, `generate_all_plans`, `remind_health_checks`); this module only decides when each
//! runs and makes sure it runs once, whichever of the instances sharing a database asks.
//!
//! Once: each job has a row in `job_run`. An instance runs a job only after claiming it with one
//! conditional UPDATE (due, and not held by a live lease); the database lets one claim win (SQLite
//! serialises writers; PostgreSQL re-checks the condition on the row another transaction just
//! changed). The next run is due one interval after this one started. A lease that outlives its
//! holder (a crashed instance) is taken over once it expires.

use crate::args;
use crate::carecircle::CareCircle;
use crate::clock::shanghai_date;
use crate::db::Row;
use crate::error::{Error, Result};
use crate::person::Actor;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Job {
    /// An SOS nobody acknowledged goes to the next-nearest station, then the district.
    AlertEscalation,
    /// Bookings nobody took expire at their start; accepted visits never checked into become no-shows.
    BookingSweep,
    /// Every active care plan's visits, always `plan_days_ahead` days ahead.
    PlanGeneration,
    /// Reminders of health checks falling due.
    HealthCheckReminders,
    /// Superseded change-log entries, old receipts, expired sessions (see `sync::compact`).
    Compaction,
}

crate::facility::codes!(Job, "job", AlertEscalation = "alert_escalation", BookingSweep = "booking_sweep", PlanGeneration = "plan_generation", HealthCheckReminders = "health_check_reminders", Compaction = "compaction");

impl Job {
    pub const ALL: [Job; 5] = [Job::AlertEscalation, Job::BookingSweep, Job::PlanGeneration, Job::HealthCheckReminders, Job::Compaction];
}

/// How often each job runs: the district's setting `job_settings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct JobSettings {
    pub alert_escalation_seconds: u32,
    pub booking_sweep_seconds: u32,
    pub plan_generation_hours: u32,
    /// Plans are generated through this many days after today (Shanghai): at least 14.
    pub plan_days_ahead: u32,
    pub health_check_reminder_hours: u32,
    /// Remind of checks due within this many days.
    pub health_check_within_days: u32,
    /// How long a claimed run is held before another instance may take it over.
    pub lease_seconds: u32,
    pub compaction_hours: u32,
    /// Receipts are kept this long after they were received (phones retry a key for at most
    /// their offline window).
    pub receipt_days: u32,
}

impl Default for JobSettings {
    fn default() -> Self {
        JobSettings {
            alert_escalation_seconds: 30,
            booking_sweep_seconds: 60,
            plan_generation_hours: 24,
            plan_days_ahead: 21,
            health_check_reminder_hours: 24,
            health_check_within_days: 30,
            lease_seconds: 600,
            compaction_hours: 24,
            receipt_days: 90,
        }
    }
}

impl JobSettings {
    pub fn validate(&self) -> Result<()> {
        let ok = (5..=3600).contains(&self.alert_escalation_seconds)
            && (5..=86_400).contains(&self.booking_sweep_seconds)
            && (1..=168).contains(&self.plan_generation_hours)
            && (14..=62).contains(&self.plan_days_ahead)
            && (1..=168).contains(&self.health_check_reminder_hours)
            && (1..=366).contains(&self.health_check_within_days)
            && (30..=86_400).contains(&self.lease_seconds)
            && (1..=168).contains(&self.compaction_hours)
            && (30..=3650).contains(&self.receipt_days);
        if ok {
            Ok(())
        } else {
            Err(Error::invalid(
                "job settings",
                "escalation every 5 to 3600 s, sweep every 5 s to a day, plans and reminders every 1 to 168 h, plans 14 to 62 days ahead, reminders within 1 to 366 days, lease 30 s to a day, compaction every 1 to 168 h, receipts kept 30 to 3650 days",
            ))
        }
    }

    /// How long after one run starts the next is due.
    pub fn every(&self, job: Job) -> Duration {
        match job {
            Job::AlertEscalation => Duration::seconds(i64::from(self.alert_escalation_seconds)),
            Job::BookingSweep => Duration::seconds(i64::from(self.booking_sweep_seconds)),
            Job::PlanGeneration => Duration::hours(i64::from(self.plan_generation_hours)),
            Job::HealthCheckReminders => Duration::hours(i64::from(self.health_check_reminder_hours)),
            Job::Compaction => Duration::hours(i64::from(self.compaction_hours)),
        }
    }
}

/// One run of a job by one instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRun {
    pub job: Job,
    pub holder: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// What it did ("2 alert(s) escalated"), or why it failed.
    pub outcome: std::result::Result<String, String>,
}

/// A job as the admin endpoint shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobStatus {
    pub job: Job,
    pub every_seconds: i64,
    pub next_run_at: DateTime<Utc>,
    pub last_started_at: Option<DateTime<Utc>>,
    pub last_finished_at: Option<DateTime<Utc>>,
    /// What the last run did, if it succeeded.
    pub last_outcome: Option<String>,
    /// Why the last run failed, if it did.
    pub last_error: Option<String>,
    /// The instance running it now (a live lease).
    pub running_on: Option<String>,
    pub runs: i64,
}

const STATUS_COLUMNS: &str = "job, next_run_at, last_started_at, last_finished_at, last_outcome, last_error, holder, lease_until, runs";

fn status_from(r: &Row, s: &JobSettings, now: DateTime<Utc>) -> Result<JobStatus> {
    let job: Job = r.get::<String>(0)?.parse()?;
    let lease: Option<DateTime<Utc>> = r.get(7)?;
    Ok(JobStatus {
        job,
        every_seconds: s.every(job).num_seconds(),
        next_run_at: r.get(1)?,
        last_started_at: r.get(2)?,
        last_finished_at: r.get(3)?,
        last_outcome: r.get(4)?,
        last_error: r.get(5)?,
        running_on: if lease.is_some_and(|l| l > now) { r.get(6)? } else { None },
        runs: r.get(8)?,
    })
}

impl CareCircle {
    pub fn job_settings(&self) -> Result<JobSettings> {
        Ok(self.store.read(|sql| crate::store::setting(sql, "job_settings"))?.unwrap_or_default())
    }

    /// Changes how often the jobs run (the district): due times already set stay as they are.
    pub fn set_job_settings(&self, actor: &Actor, s: &JobSettings) -> Result<()> {
        if !matches!(actor, Actor::District | Actor::System) {
            return Err(Error::Forbidden(format!("{} may not change the job settings", actor.label())));
        }
        s.validate()?;
        self.store.write(|sql| crate::store::put_setting(sql, "job_settings", s))
    }

    /// Runs every job that is due and that no other instance holds, as instance `holder`.
    /// Call it on a short timer (the server: every few seconds); returns the runs made.
    pub fn run_due_jobs(&self, holder: &str) -> Result<Vec<JobRun>> {
        let settings = self.job_settings()?;
        // One read finds what is due; only those are claimed (a write), so an idle tick writes nothing.
        let now = self.now();
        let rows = self.store.read(|sql| sql.query("SELECT job, next_run_at, lease_until FROM job_run", &[]))?;
        let mut due = Vec::new();
        for job in Job::ALL {
            let row = rows.iter().find(|r| r.get::<String>(0).is_ok_and(|j| j == job.code()));
            let free = match row {
                Some(r) => r.get::<DateTime<Utc>>(1)? <= now && r.get::<Option<DateTime<Utc>>>(2)?.is_none_or(|l| l < now),
                None => true,
            };
            if free {
                due.push(job);
            }
        }
        let mut runs = Vec::new();
        for job in due {
            let Some(started_at) = self.claim_job(job, holder, &settings)? else { continue };
            let outcome = self.run_job(job, &settings);
            let finished_at = self.now();
            self.finish_job(job, holder, started_at, finished_at, &outcome, &settings)?;
            runs.push(JobRun { job, holder: holder.to_string(), started_at, finished_at, outcome });
        }
        Ok(runs)
    }

    /// Claims `job` if it is due and free: `Some(now)` if this instance runs it.
    fn claim_job(&self, job: Job, holder: &str, s: &JobSettings) -> Result<Option<DateTime<Utc>>> {
        let now = self.now();
        let lease = now + Duration::seconds(i64::from(s.lease_seconds));
        let won = self.store.write(|tx| {
            tx.execute("INSERT INTO job_run (job, next_run_at, runs) VALUES (?1, ?2, 0) ON CONFLICT(job) DO NOTHING", args![job.code(), now])?;
            tx.execute(
                "UPDATE job_run SET holder = ?2, lease_until = ?3, last_started_at = ?4
                 WHERE job = ?1 AND next_run_at <= ?4 AND (lease_until IS NULL OR lease_until < ?4)",
                args![job.code(), holder, lease, now],
            )
        })?;
        Ok((won == 1).then_some(now))
    }

    fn run_job(&self, job: Job, s: &JobSettings) -> std::result::Result<String, String> {
        let done = match job {
            Job::AlertEscalation => self.escalate_alerts().map(|a| format!("{} alert(s) escalated", a.len())),
            Job::BookingSweep => self.sweep().map(|b| format!("{} booking(s) expired or marked no-show", b.len())),
            Job::PlanGeneration => {
                let through = shanghai_date(self.now()) + Duration::days(i64::from(s.plan_days_ahead));
                self.generate_all_plans(through).map(|g| format!("{} plan(s) generated through {through}", g.len()))
            }
            Job::HealthCheckReminders => self.remind_health_checks(s.health_check_within_days).map(|d| format!("{} reminder(s)", d.len())),
            Job::Compaction => self
                .compact(s.receipt_days)
                .map(|c| format!("{} change-log entrie(s), {} receipt(s), {} session(s) removed", c.change_log, c.receipts, c.sessions)),
        };
        done.map_err(|e| e.to_string())
    }

    fn finish_job(&self, job: Job, holder: &str, started: DateTime<Utc>, finished: DateTime<Utc>, outcome: &std::result::Result<String, String>, s: &JobSettings) -> Result<()> {
        let (ok, err) = match outcome {
            Ok(m) => (Some(crate::facility::truncate(m, 500)), None),
            Err(e) => (None, Some(crate::facility::truncate(e, 500))),
        };
        self.store.write(|tx| {
            tx.execute(
                "UPDATE job_run SET holder = NULL, lease_until = NULL, last_finished_at = ?3, last_outcome = ?4, last_error = ?5, next_run_at = ?6, runs = runs + 1
                 WHERE job = ?1 AND holder = ?2",
                args![job.code(), holder, finished, ok.clone(), err.clone(), started + s.every(job)],
            )?;
            Ok(())
        })
    }

    /// Every job's last and next run, for the district's administrators.
    pub fn job_status(&self, actor: &Actor) -> Result<Vec<JobStatus>> {
        if !matches!(actor, Actor::District | Actor::System) {
            return Err(Error::Forbidden(format!("{} may not see the platform's jobs", actor.label())));
        }
        let s = self.job_settings()?;
        let now = self.now();
        let rows = self.store.read(|sql| sql.query(&format!("SELECT {STATUS_COLUMNS} FROM job_run ORDER BY job"), &[]))?;
        let mut out: Vec<JobStatus> = rows.iter().map(|r| status_from(r, &s, now)).collect::<Result<_>>()?;
        // Jobs that never ran yet are due now.
        for job in Job::ALL {
            if !out.iter().any(|x| x.job == job) {
                out.push(JobStatus { job, every_seconds: s.every(job).num_seconds(), next_run_at: now, last_started_at: None, last_finished_at: None, last_outcome: None, last_error: None, running_on: None, runs: 0 });
            }
        }
        out.sort_by_key(|x| Job::ALL.iter().position(|j| *j == x.job));
        Ok(out)
    }
}
