//! The listener: hyper connections with the timeouts axum's own `serve` does not set. A client
//! that sends its headers too slowly is cut off (`Timeouts`); a body that never
//! finishes, and a request that takes too long as a whole, are answered 408 by the router's
//! layers (see `main::app`). Each request learns its client's address (`auth::ClientAddr`), which
//! sign-in throttling counts by.

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use std::time::Duration;
use tower::ServiceExt;

/// How long a client may take: its headers, its body, the whole request.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    pub headers: Duration,
    pub body: Duration,
    pub request: Duration,
}

impl Timeouts {
    /// 10 s for headers, 20 s for a body, 60 s for a whole request; `--slow-client-seconds N`
    /// scales them to N, 2N and 6N (tests use a small N).
    pub fn scaled(seconds: u64) -> Self {
        let n = seconds.clamp(1, 600);
        Timeouts { headers: Duration::from_secs(n), body: Duration::from_secs(2 * n), request: Duration::from_secs(6 * n) }
    }
}
/// How long open connections get to finish when the platform stops.
const DRAIN: Duration = Duration::from_secs(10);

pub async fn serve(listener: tokio::net::TcpListener, app: Router, timeouts: Timeouts, shutdown: impl std::future::Future<Output = ()>) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let router = app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(req)
        });
        let mut builder = Builder::new(TokioExecutor::new());
        builder.http1().timer(TokioTimer::new()).header_read_timeout(timeouts.headers);
        builder.http2().timer(TokioTimer::new()).keep_alive_interval(Some(Duration::from_secs(30)));
        let conn = builder.serve_connection(TokioIo::new(stream), service).into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open after the drain time; closing them");
    }
}
