//! `sync()`: the phone's HTTP client (reqwest with rustls). Every request is retried with
//! exponential backoff on network errors, cut-off responses and the platform's 5xx and 429
//! answers. Each step commits before the next begins, so a sync stopped anywhere (the app
//! killed, the network gone, the future dropped) resumes where it stopped: outbox entries
//! leave only when the platform has answered them, and the cursor moves only with the data.

use super::{PullPage, PullRequest, PushEntry, PushResult};
use crate::carecircle::CareCircle;
use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Who signs in to the platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    pub login: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SyncOptions {
    /// Attempts per request before the sync gives up (it can simply be run again).
    pub attempts: u32,
    /// The first wait between attempts; it doubles each time, up to `max_backoff`.
    pub backoff: Duration,
    pub max_backoff: Duration,
    /// One request's time limit.
    pub timeout: Duration,
    /// Outbox entries per push.
    pub push_batch: u32,
    /// Change-log entries per pulled page.
    pub pull_limit: u32,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            attempts: 8,
            backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            push_batch: 100,
            pull_limit: 500,
        }
    }
}

/// What one sync did.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SyncReport {
    /// Entries the platform applied.
    pub applied: u32,
    /// Entries the platform refused in this sync (they stay in the outbox with the reason).
    pub refused: Vec<PushResult>,
    pub pages: u32,
    pub rows: u32,
    /// Requests that had to be tried again.
    pub retries: u32,
    pub cursor: String,
}

#[derive(Serialize)]
struct Login<'a> {
    login: &'a str,
    password: &'a str,
}

#[derive(Deserialize)]
struct Session {
    token: String,
}

#[derive(Serialize)]
struct Push<'a> {
    entries: &'a [PushEntry],
}

#[derive(Deserialize)]
struct Pushed {
    results: Vec<PushResult>,
}

#[derive(Deserialize)]
struct ApiError {
    #[serde(default)]
    message: String,
}

struct Client<'a> {
    http: reqwest::Client,
    base: String,
    opts: &'a SyncOptions,
    token: Option<String>,
    retries: u32,
    /// The platform answered 401: a kept token has expired or was ended.
    unauthorized: bool,
}

enum Attempt<T> {
    Done(T),
    Retry(String),
    Fail(Error),
}

impl Client<'_> {
    async fn post<B: Serialize, T: DeserializeOwned>(&mut self, path: &str, body: &B) -> Result<T> {
        let url = format!("{}{path}", self.base);
        let mut wait = self.opts.backoff;
        let mut last = String::new();
        for attempt in 0..self.opts.attempts.max(1) {
            if attempt > 0 {
                self.retries += 1;
                tokio::time::sleep(jitter(wait)).await;
                wait = (wait * 2).min(self.opts.max_backoff);
            }
            match self.once(&url, body).await {
                Attempt::Done(v) => return Ok(v),
                Attempt::Fail(e) => return Err(e),
                Attempt::Retry(why) => last = why,
            }
        }
        Err(Error::Network(format!("gave up after {} attempts: {last}", self.opts.attempts.max(1))))
    }

    async fn once<B: Serialize, T: DeserializeOwned>(&mut self, url: &str, body: &B) -> Attempt<T> {
        let mut req = self.http.post(url).json(body);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => return Attempt::Retry(e.to_string()),
        };
        let status = resp.status();
        // A response cut off mid-body is a network error like any other: try again.
        let bytes = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => return Attempt::Retry(e.to_string()),
        };
        if status.is_success() {
            return match serde_json::from_slice(&bytes) {
                Ok(v) => Attempt::Done(v),
                Err(e) => Attempt::Retry(format!("unreadable answer: {e}")),
            };
        }
        let message = serde_json::from_slice::<ApiError>(&bytes).map(|e| e.message).unwrap_or_default();
        match status.as_u16() {
            429 | 500..=599 => Attempt::Retry(format!("the platform answered {status}")),
            401 => {
                self.unauthorized = true;
                Attempt::Fail(Error::Forbidden("the platform did not accept the login".into()))
            }
            403 => Attempt::Fail(Error::Forbidden(message)),
            404 => Attempt::Fail(Error::Network(format!("no sync service at this address ({message})"))),
            _ => Attempt::Fail(Error::invalid("sync", format!("the platform refused the request ({status}): {message}"))),
        }
    }
}

pub(super) fn jitter(d: Duration) -> Duration {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|t| t.subsec_nanos()).unwrap_or(0);
    d / 2 + Duration::from_nanos(u64::from(nanos) % (d.as_nanos() as u64 / 2 + 1))
}

/// Lets only one sync run at a time on a database.
struct Running<'a>(&'a std::sync::atomic::AtomicBool);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl CareCircle {
    /// Pushes the outbox, then pulls everything changed since the cursor (see the module docs).
    pub async fn sync(&self, server_url: &str, credentials: &Credentials) -> Result<SyncReport> {
        self.sync_with(server_url, credentials, &SyncOptions::default()).await
    }

    pub async fn sync_with(&self, server_url: &str, credentials: &Credentials, opts: &SyncOptions) -> Result<SyncReport> {
        let mut link = Link::new(server_url, opts)?;
        self.sync_over(&mut link, credentials, opts).await
    }

    /// A sync over a kept link: signs in only without a token, or again once when the platform
    /// no longer accepts it (push is idempotent and pull reads, so running them again is safe).
    pub(super) async fn sync_over(&self, link: &mut Link, credentials: &Credentials, opts: &SyncOptions) -> Result<SyncReport> {
        if self.replica.syncing.swap(true, Ordering::AcqRel) {
            return Err(Error::invalid("sync", "a sync is already running on this database"));
        }
        let _running = Running(&self.replica.syncing);
        self.bind_sync(&link.base, &credentials.login)?;
        let mut client = Client { http: link.http.clone(), base: link.base.clone(), opts, token: link.token.clone(), retries: 0, unauthorized: false };
        let kept = client.token.is_some();
        if !kept {
            link.token = Some(client.sign_in(credentials).await?);
        }
        let mut report = SyncReport::default();
        match self.push_and_pull(&mut client, opts, &mut report).await {
            Err(_) if kept && client.unauthorized => {
                client.unauthorized = false;
                link.token = Some(client.sign_in(credentials).await?);
                self.push_and_pull(&mut client, opts, &mut report).await?;
            }
            other => other?,
        }
        Ok(report)
    }

    async fn push_and_pull(&self, client: &mut Client<'_>, opts: &SyncOptions, report: &mut SyncReport) -> Result<()> {
        loop {
            let batch = self.pending_push(opts.push_batch.max(1))?;
            if batch.is_empty() {
                break;
            }
            let pushed: Pushed = client.post("/v1/sync/push", &Push { entries: &batch }).await?;
            // Only answers to what was sent count; an entry without an answer is pushed again.
            let answered: Vec<PushResult> = pushed.results.into_iter().filter(|r| batch.iter().any(|e| e.key == r.key)).collect();
            if answered.is_empty() {
                return Err(Error::Network("the platform answered none of the changes pushed".into()));
            }
            self.record_push_results(&answered)?;
            report.applied += answered.iter().filter(|r| r.ok).count() as u32;
            report.refused.extend(answered.into_iter().filter(|r| !r.ok));
        }

        let mut cursor = self.sync_binding()?.map(|b| b.cursor).unwrap_or_default();
        loop {
            let refresh = self.records_to_refresh()?;
            let req = PullRequest { cursor: cursor.clone(), limit: Some(opts.pull_limit), refresh: refresh.iter().map(|(_, s)| s.clone()).collect() };
            let page: PullPage = client.post("/v1/sync/pull", &req).await?;
            let keys: Vec<String> = refresh.into_iter().map(|(k, _)| k).collect();
            self.apply_pull(&page, &keys)?;
            report.pages += 1;
            report.rows += page.tables.iter().map(|t| t.rows.len() as u32).sum::<u32>();
            cursor = page.cursor;
            if !page.more {
                break;
            }
        }
        report.cursor = cursor;
        report.retries = client.retries;
        Ok(())
    }
}

/// The platform's address, an HTTP client for it, and the token once signed in.
pub(super) struct Link {
    pub(super) http: reqwest::Client,
    pub(super) base: String,
    pub(super) secure: bool,
    pub(super) token: Option<String>,
}

impl Link {
    pub(super) fn new(server_url: &str, opts: &SyncOptions) -> Result<Link> {
        let base = server_url.trim_end_matches('/').to_string();
        let secure = check_server_url(&base)?;
        // No redirects: a platform never sends its phones elsewhere, and a redirect must not
        // downgrade https to http.
        let http = reqwest::Client::builder()
            .timeout(opts.timeout)
            .https_only(secure)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Network(e.to_string()))?;
        Ok(Link { http, base, secure, token: None })
    }
}

impl Client<'_> {
    async fn sign_in(&mut self, credentials: &Credentials) -> Result<String> {
        self.token = None;
        let session: Session = self.post("/v1/auth/login", &Login { login: &credentials.login, password: &credentials.password }).await?;
        self.token = Some(session.token.clone());
        Ok(session.token)
    }
}

/// A platform address a phone may send passwords and seniors' records to: https, or plain http
/// only on this device's loopback (tests, a platform on the same machine). `Ok(true)` for https.
pub(crate) fn check_server_url(base: &str) -> Result<bool> {
    let url = reqwest::Url::parse(base).map_err(|_| Error::invalid("server", "expected an https:// address"))?;
    match url.scheme() {
        "https" => Ok(true),
        "http" => {
            let host = url.host_str().unwrap_or("");
            let ip = host.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>();
            let loopback = host.eq_ignore_ascii_case("localhost") || ip.is_ok_and(|a| a.is_loopback());
            if loopback { Ok(false) } else { Err(Error::invalid("server", "plain http is refused except on this device's loopback: use https://")) }
        }
        _ => Err(Error::invalid("server", "expected an https:// address")),
    }
}

#[cfg(test)]
mod tests {
    use super::check_server_url;

    #[test]
    fn plain_http_only_on_loopback() {
        assert_eq!(check_server_url("https://platform.example.cn").unwrap(), true);
        assert_eq!(check_server_url("http://127.0.0.1:8080").unwrap(), false);
        assert_eq!(check_server_url("http://localhost:8080").unwrap(), false);
        assert_eq!(check_server_url("http://[::1]:8080").unwrap(), false);
        assert!(check_server_url("http://platform.example.cn").is_err());
        assert!(check_server_url("http://10.0.0.5").is_err());
        assert!(check_server_url("ftp://127.0.0.1").is_err());
        assert!(check_server_url("not a url").is_err());
    }
}
