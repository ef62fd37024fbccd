//! Live delivery: `GET /v1/sync/stream` (server-sent events) tells a phone in the foreground
//! that something in its scope changed, so it pulls at once instead of at its next timer. The
//! stream only hints: sync stays correct without it. An event is `changed` with a cursor as its
//! id; a stream resumed with that id (`Last-Event-ID`, or `?cursor=`) hints only at what
//! changed after it.
//!
//! One watcher per instance reads the change log's head every `POLL` (which catches other
//! instances' commits on a shared PostgreSQL) and publishes it on a watch channel; on SQLite it
//! is also woken by the core's events right after a local commit. A stream checks its scope only
//! when the head moved.
//!
//! Sessions: each check first re-checks the stream's session the way every request does
//! (`auth::session_of`: the 10 s cache, then storage), and at least every `SESSION_CHECK`; so
//! a logout on this instance ends its streams at the next check, on another instance within the
//! cache's 10 s more, and an expired token ends them at most `SESSION_CHECK` after expiry.

use crate::api::Params;
use crate::auth::{Caller, session_of};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use carecircle_core::{Actor, CareCircle, ErrorCode};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

/// How often the watcher reads the head: other instances' commits arrive within this.
const POLL: Duration = Duration::from_millis(100);
/// A comment line this often keeps proxies and the phone's dead-connection timer content.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// A quiet stream still re-checks its session this often.
const SESSION_CHECK: Duration = Duration::from_secs(15);

/// The instance's watcher and its open streams.
pub struct Live {
    head: watch::Sender<i64>,
    wake: Arc<Notify>,
    closing: watch::Sender<bool>,
    streams: Mutex<HashMap<String, usize>>,
    max_per_login: usize,
    events: Mutex<Option<carecircle_core::event::Subscription>>,
}

impl Live {
    pub fn new(max_per_login: usize) -> Live {
        Live {
            head: watch::Sender::new(0),
            wake: Arc::new(Notify::new()),
            closing: watch::Sender::new(false),
            streams: Mutex::default(),
            max_per_login: max_per_login.max(1),
            events: Mutex::default(),
        }
    }

    /// Starts the watcher (on the caller's runtime). `wake_on_commit` subscribes to the core's
    /// events; on PostgreSQL it is off, since with a subscriber the core puts every write of the
    /// instance in one line (to deliver events in commit order), and the poll bounds latency.
    pub fn spawn(self: &Arc<Self>, cc: Arc<CareCircle>, wake_on_commit: bool) {
        if wake_on_commit {
            let wake = self.wake.clone();
            *self.events.lock().unwrap_or_else(|e| e.into_inner()) = Some(cc.subscribe(move |_| wake.notify_one()));
        }
        tokio::spawn(watch_head(self.clone(), cc));
    }

    /// Ends every stream (the platform is stopping: graceful shutdown need not wait for them).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    fn admit(self: &Arc<Self>, login: &str) -> Result<Slot, ApiError> {
        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        let n = streams.entry(login.to_string()).or_insert(0);
        if *n >= self.max_per_login {
            return Err(ApiError::new(ErrorCode::TooManyStreams, format!("at most {} live streams per login", self.max_per_login)));
        }
        *n += 1;
        Ok(Slot { live: self.clone(), login: login.to_string() })
    }
}

/// One stream's place in its login's count, given back when the stream ends.
struct Slot {
    live: Arc<Live>,
    login: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut streams = self.live.streams.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = streams.get_mut(&self.login) {
            *n -= 1;
            if *n == 0 {
                streams.remove(&self.login);
            }
        }
    }
}

async fn watch_head(live: Arc<Live>, cc: Arc<CareCircle>) {
    let mut closing = live.closing.subscribe();
    let mut failing = false;
    loop {
        let c = cc.clone();
        match tokio::task::spawn_blocking(move || c.change_head()).await {
            Ok(Ok(head)) => {
                failing = false;
                live.head.send_if_modified(|h| std::mem::replace(h, head) != head);
            }
            // Once per outage, not every 100 ms.
            Ok(Err(e)) if !failing => {
                failing = true;
                tracing::warn!(error = %e, "live delivery cannot read the change log");
            }
            Ok(Err(_)) => {}
            Err(e) => tracing::error!(error = %e, "reading the change log's head panicked"),
        }
        tokio::select! {
            () = tokio::time::sleep(POLL) => {}
            () = live.wake.notified() => {}
            _ = closing.wait_for(|c| *c) => return,
        }
    }
}

#[derive(Deserialize)]
pub struct StreamQuery {
    #[serde(default)]
    cursor: Option<String>,
}

pub async fn stream(State(st): State<AppState>, caller: Caller, headers: HeaderMap, Params(q): Params<StreamQuery>) -> Result<Response, ApiError> {
    let cursor = match headers.get("last-event-id") {
        Some(v) => v.to_str().map_err(|_| ApiError::new(ErrorCode::InvalidInput, "Last-Event-ID: not a cursor this platform gave"))?.to_string(),
        None => q.cursor.unwrap_or_default(),
    };
    let slot = st.live.admit(&caller.login)?;
    // Subscribed before the first check, so that no commit falls between the two.
    let mut head = st.live.head.subscribe();
    let seen = *head.borrow_and_update();
    let (actor, c) = (caller.actor.clone(), cursor.clone());
    let pending = st.blocking(move |cc| cc.changed_since(&actor, &c)).await?;
    let mut w = Watch {
        closing: st.live.closing.subscribe(),
        st,
        actor: caller.actor,
        token_hash: caller.token_hash,
        cursor,
        head,
        pending: None,
        session_due: Instant::now() + SESSION_CHECK,
        retry: false,
        _slot: slot,
    };
    match pending {
        Some(c) => {
            w.cursor = c.clone();
            w.pending = Some(c);
        }
        None => w.advance_quietly(seen),
    }
    let events = futures_util::stream::unfold(w, |mut w| async move { w.next().await.map(|e| (Ok::<_, std::convert::Infallible>(e), w)) });
    let sse = Sse::new(events).keep_alive(KeepAlive::new().interval(KEEP_ALIVE));
    // A buffering proxy would hold the hints back.
    Ok(([(HeaderName::from_static("x-accel-buffering"), HeaderValue::from_static("no"))], sse).into_response())
}

/// One open stream.
struct Watch {
    st: AppState,
    actor: Actor,
    token_hash: String,
    /// Everything in scope up to here has been hinted at (or was before the stream began).
    cursor: String,
    head: watch::Receiver<i64>,
    closing: watch::Receiver<bool>,
    pending: Option<String>,
    session_due: Instant,
    /// The last check failed (storage away): check again at the next tick.
    retry: bool,
    _slot: Slot,
}

impl Watch {
    /// The next event, or `None` to end the stream.
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(c) = self.pending.take() {
                let data = serde_json::json!({ "cursor": c }).to_string();
                return Some(Event::default().event("changed").id(c).data(data));
            }
            let head_moved = tokio::select! {
                r = self.head.changed() => {
                    r.ok()?;
                    true
                }
                () = tokio::time::sleep_until(self.session_due) => false,
                _ = self.closing.wait_for(|c| *c) => return None,
            };
            if !self.session_alive().await {
                return None;
            }
            self.session_due = Instant::now() + SESSION_CHECK;
            if !head_moved && !self.retry {
                continue;
            }
            let seen = *self.head.borrow_and_update();
            let (actor, cursor) = (self.actor.clone(), self.cursor.clone());
            match self.st.blocking(move |cc| cc.changed_since(&actor, &cursor)).await {
                Ok(Some(c)) => {
                    self.retry = false;
                    self.cursor = c.clone();
                    self.pending = Some(c);
                }
                Ok(None) => {
                    self.retry = false;
                    self.advance_quietly(seen);
                }
                // Logged by the error's conversion; the cursor stays, so nothing is missed.
                Err(_) => self.retry = true,
            }
        }
    }

    /// Nothing in scope up to `seen` (a head the watcher read before the check, so committed
    /// and in the check's snapshot): later checks need not scan those versions again.
    fn advance_quietly(&mut self, seen: i64) {
        let at = self.cursor.split_once('.').and_then(|(v, _)| v.parse::<i64>().ok()).unwrap_or(0);
        if seen > at {
            self.cursor = format!("{seen}.{}", i64::MAX);
        }
    }

    /// The session still stands for the same actor; a storage failure is not a logout.
    async fn session_alive(&self) -> bool {
        match session_of(&self.st, &self.token_hash).await {
            Ok(Some(c)) => c.actor == self.actor,
            Ok(None) => false,
            Err(_) => true,
        }
    }
}
