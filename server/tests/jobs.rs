//! The platform runs itself: its timed jobs, once across the instances sharing a database.

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_platform_runs_its_jobs_once_across_instances_and_shows_them_to_the_district() {
    let dir = tempfile::tempdir().unwrap();
    for backend in backends(dir.path()) {
        seed(&backend);
        // Two instances on one database, each checking every second.
        let one = Server::start_with(&backend, &["--jobs-tick-seconds", "1"]);
        let two = Server::start_with(&backend, &["--jobs-tick-seconds", "1"]);
        tokio::time::sleep(std::time::Duration::from_millis(3500)).await;
        let api = Api::new(&one.url);
        let admin = api.token("district").await;
        let (s, jobs) = api.call("GET", "/v1/admin/jobs", Some(&admin), None).await;
        assert_eq!(s, 200, "{jobs}");
        let jobs = jobs.as_array().unwrap().clone();
        let names: Vec<&str> = jobs.iter().map(|j| j["job"].as_str().unwrap()).collect();
        assert_eq!(names, ["alert_escalation", "booking_sweep", "plan_generation", "health_check_reminders", "compaction"]);
        for j in &jobs {
            // Every 30 s at the most often: in 3.5 s, with two instances ticking 7 times, each job ran once.
            assert_eq!(j["runs"], 1, "{j}");
            assert!(j["last_error"].is_null() && j["last_outcome"].is_string(), "{j}");
            assert!(j["next_run_at"].is_string() && j["every_seconds"].as_i64().unwrap() >= 30, "{j}");
        }
        let operator = api.token("operator").await;
        assert_eq!(api.call("GET", "/v1/admin/jobs", Some(&operator), None).await.0, 403);
        drop((one, two));
    }
}
