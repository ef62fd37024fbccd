//! `listen()`: while the app is in the foreground, the phone keeps the platform's live stream
//! (`GET /v1/sync/stream`, server-sent events) open and syncs whenever it hints at a change.
//! The stream only hints, so a hint lost to a dropped connection costs latency, never data:
//! the stream resumes from the last hint seen (`Last-Event-ID`), and a sync that failed after
//! a hint is run again before the stream is reopened.

use super::client::{Credentials, Link, SyncOptions, jitter};
use crate::carecircle::CareCircle;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::sync::atomic::Ordering;
use std::task::Poll;
use std::time::Duration;

/// What one `listen` did.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ListenReport {
    /// Syncs run: the first, one per hint, and those owed after a failure.
    pub syncs: u32,
    /// `changed` events received.
    pub events: u32,
    /// Times the stream was opened again after it dropped or could not be opened.
    pub reconnects: u32,
}

/// The platform sends a keep-alive every 15 s: a stream silent for this long is dead.
const SILENCE: Duration = Duration::from_secs(45);
/// No line of the platform's is this long; a stream sending one is cut.
const MAX_LINE: usize = 64 * 1024;

impl CareCircle {
    /// Syncs, then keeps the live stream open and syncs on every hint, reconnecting with
    /// backoff, until `stop` completes. Returns early only on what retrying cannot mend: the
    /// platform refusing the login, a server address refused, storage failing.
    pub async fn listen(&self, server_url: &str, credentials: &Credentials, stop: impl Future<Output = ()>) -> Result<ListenReport> {
        self.listen_with(server_url, credentials, &SyncOptions::default(), stop).await
    }

    pub async fn listen_with(&self, server_url: &str, credentials: &Credentials, opts: &SyncOptions, stop: impl Future<Output = ()>) -> Result<ListenReport> {
        let mut report = ListenReport::default();
        let out = {
            let mut work = Box::pin(self.listen_until_error(server_url, credentials, opts, &mut report));
            let mut stop = Box::pin(stop);
            std::future::poll_fn(|cx| {
                if stop.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Ok(()));
                }
                work.as_mut().poll(cx)
            })
            .await
        };
        out.map(|()| report)
    }

    async fn listen_until_error(&self, server_url: &str, credentials: &Credentials, opts: &SyncOptions, report: &mut ListenReport) -> Result<()> {
        let mut link = Link::new(server_url, opts)?;
        // No overall time limit on the stream (it is meant to last); a silent one is cut instead.
        let http = reqwest::Client::builder()
            .connect_timeout(opts.timeout)
            .read_timeout(SILENCE)
            .https_only(link.secure)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Network(e.to_string()))?;
        let mut owed = true;
        let mut last_id: Option<String> = None;
        let mut wait = opts.backoff;
        let mut first = true;
        loop {
            if !first {
                report.reconnects += 1;
                tokio::time::sleep(jitter(wait)).await;
                wait = (wait * 2).min(opts.max_backoff);
            }
            first = false;
            if owed {
                match self.sync_for_listen(&mut link, credentials, opts).await {
                    Ok(()) => {
                        report.syncs += 1;
                        owed = false;
                    }
                    Err(e) if retriable(&e) => continue,
                    Err(e) => return Err(e),
                }
            }
            let Some(token) = link.token.clone() else {
                owed = true;
                continue;
            };
            // From the last hint seen, or else from what the phone last pulled.
            let from = match &last_id {
                Some(id) => id.clone(),
                None => self.sync_binding()?.map(|b| b.cursor).unwrap_or_default(),
            };
            let mut req = http.get(format!("{}/v1/sync/stream", link.base)).bearer_auth(&token).header(reqwest::header::ACCEPT, "text/event-stream");
            if !from.is_empty() {
                req = req.header("Last-Event-ID", &from);
            }
            let Ok(mut resp) = req.send().await else { continue };
            match resp.status().as_u16() {
                200 => {}
                // The token expired or was ended: the sync signs in again.
                401 => {
                    link.token = None;
                    owed = true;
                    continue;
                }
                // A hint's cursor the platform no longer knows (its log was reset): resume from
                // the phone's own cursor, and give up if that is refused too.
                422 if last_id.take().is_some() => continue,
                422 => return Err(Error::invalid("cursor", "the platform refused this phone's cursor")),
                429 | 500..=599 => continue,
                404 => return Err(Error::Network("no live stream at this address".into())),
                status => return Err(Error::invalid("listen", format!("the platform refused the stream ({status})"))),
            }
            let mut parser = SseParser::default();
            'read: loop {
                let chunk = match resp.chunk().await {
                    Ok(Some(c)) => c,
                    Ok(None) | Err(_) => break 'read,
                };
                // Something came through: the next drop starts its backoff afresh.
                wait = opts.backoff;
                let Some(events) = parser.feed(&chunk) else { break 'read };
                for event in events {
                    if event.event != "changed" {
                        continue;
                    }
                    report.events += 1;
                    if event.id.is_some() {
                        last_id = event.id;
                    }
                    match self.sync_for_listen(&mut link, credentials, opts).await {
                        Ok(()) => report.syncs += 1,
                        Err(e) if retriable(&e) => {
                            owed = true;
                            break 'read;
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
        }
    }

    /// One sync over the kept link; waits its turn while another sync (the app's) runs.
    async fn sync_for_listen(&self, link: &mut Link, credentials: &Credentials, opts: &SyncOptions) -> Result<()> {
        for _ in 0..100 {
            match self.sync_over(link, credentials, opts).await {
                Err(_) if self.replica.syncing.load(Ordering::Acquire) => tokio::time::sleep(Duration::from_millis(50)).await,
                r => return r.map(drop),
            }
        }
        Err(Error::Network("another sync kept running".into()))
    }
}

/// Worth trying again later: the network or the platform being away.
fn retriable(e: &Error) -> bool {
    matches!(e, Error::Network(_))
}

/// One server-sent event.
#[derive(Debug, Clone, PartialEq)]
struct SseEvent {
    event: String,
    id: Option<String>,
    data: String,
}

/// Server-sent events from a byte stream, by the WHATWG rules: `field: value` lines, a blank
/// line ends an event, `:` lines are comments (keep-alives), the last id carries over.
#[derive(Default)]
struct SseParser {
    line: Vec<u8>,
    after_cr: bool,
    id: Option<String>,
    event: String,
    data: String,
    has_data: bool,
}

impl SseParser {
    /// The events these bytes complete; `None` when a line grows past `MAX_LINE`.
    fn feed(&mut self, bytes: &[u8]) -> Option<Vec<SseEvent>> {
        let mut out = Vec::new();
        for &b in bytes {
            // CRLF is one line end, even split across chunks.
            if std::mem::take(&mut self.after_cr) && b == b'\n' {
                continue;
            }
            if b == b'\n' || b == b'\r' {
                self.after_cr = b == b'\r';
                let line = std::mem::take(&mut self.line);
                out.extend(self.line_done(&line));
            } else {
                if self.line.len() >= MAX_LINE {
                    return None;
                }
                self.line.push(b);
            }
        }
        Some(out)
    }

    fn line_done(&mut self, line: &[u8]) -> Option<SseEvent> {
        if line.is_empty() {
            let event = std::mem::take(&mut self.event);
            let data = std::mem::take(&mut self.data);
            if !std::mem::take(&mut self.has_data) {
                return None;
            }
            return Some(SseEvent { event: if event.is_empty() { "message".into() } else { event }, id: self.id.clone(), data });
        }
        if line[0] == b':' {
            return None;
        }
        let text = String::from_utf8_lossy(line);
        let (field, value) = match text.find(':') {
            Some(i) => (&text[..i], text[i + 1..].strip_prefix(' ').unwrap_or(&text[i + 1..])),
            None => (&text[..], ""),
        };
        match field {
            "event" => self.event = value.to_string(),
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "id" if !value.contains('\0') => self.id = Some(value.to_string()),
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::{SseEvent, SseParser};

    #[test]
    fn events_are_parsed_across_chunk_boundaries_and_line_endings() {
        let wire = b": keep-alive\n\nevent: changed\r\nid: 7.9\r\ndata: {\"cursor\":\"7.9\"}\r\n\r\nevent:changed\rdata:a\rdata: b\r\rdata: no type\n\n";
        // Every split point gives the same events.
        for cut in 0..wire.len() {
            let mut p = SseParser::default();
            let mut got = p.feed(&wire[..cut]).unwrap();
            got.extend(p.feed(&wire[cut..]).unwrap());
            assert_eq!(
                got,
                vec![
                    SseEvent { event: "changed".into(), id: Some("7.9".into()), data: "{\"cursor\":\"7.9\"}".into() },
                    SseEvent { event: "changed".into(), id: Some("7.9".into()), data: "a\nb".into() },
                    SseEvent { event: "message".into(), id: Some("7.9".into()), data: "no type".into() },
                ],
                "split at {cut}"
            );
        }
    }

    #[test]
    fn an_endless_line_cuts_the_stream() {
        let mut p = SseParser::default();
        assert!(p.feed(&vec![b'x'; super::MAX_LINE + 1]).is_none());
    }
}
