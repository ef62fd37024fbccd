//! The sync push as the platform takes it, on one in-memory platform with the small district
//! (see the crate's lib), made once: the first byte picks the signed-in actor, the rest is the
//! body of `POST /v1/sync/push`. It is read exactly as the server's handler reads it (axum's
//! `Json` is `serde_json::from_slice` into `{"entries": [PushEntry]}`), refused past
//! `MAX_PUSH` entries, and every entry is applied in order with `CareCircle::apply_pushed`
//! until one fails, as the handler does; the answer is serialised as the handler's is.
//! Any panic, and any error other than the rules refusing an entry (a 500), is a finding.
#![no_main]

use carecircle_core::CareCircle;
use carecircle_core::sync::{PushEntry, PushResult};
use carecircle_fuzz::{actor, no_internal_error, small_district};
use libfuzzer_sys::fuzz_target;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// The server's `api::PushBody` and `api::PushOut` (private to its binary; same shape).
#[derive(Deserialize)]
struct PushBody {
    entries: Vec<PushEntry>,
}

#[derive(Serialize)]
struct PushOut {
    results: Vec<PushResult>,
}

/// The server's `api::MAX_PUSH`.
const MAX_PUSH: usize = 100;

fn platform() -> &'static CareCircle {
    static CC: OnceLock<CareCircle> = OnceLock::new();
    CC.get_or_init(small_district)
}

/// CARECIRCLE_FUZZ_DEBUG set: print each push's answer (to check what the seeds reach).
fn debug() -> bool {
    static DEBUG: OnceLock<bool> = OnceLock::new();
    *DEBUG.get_or_init(|| std::env::var_os("CARECIRCLE_FUZZ_DEBUG").is_some())
}

fuzz_target!(|data: &[u8]| {
    let Some((&who, body)) = data.split_first() else { return };
    let Ok(b) = serde_json::from_slice::<PushBody>(body) else { return };
    if b.entries.len() > MAX_PUSH {
        return;
    }
    let cc = platform();
    let actor = actor(who);
    let results = b.entries.iter().map(|e| cc.apply_pushed(&actor, e)).collect::<carecircle_core::Result<Vec<_>>>();
    no_internal_error("apply_pushed", &results);
    if let Ok(results) = results {
        let out = serde_json::to_vec(&PushOut { results }).expect("a push answer serialises");
        if debug() {
            eprintln!("push as {}: {}", actor.label(), String::from_utf8_lossy(&out));
        }
    }
});
