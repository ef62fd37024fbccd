//! Accounts and bearer tokens. Passwords are hashed with argon2id; a token is 32 random bytes
//! shown once to the client, and only its SHA-256 is stored, with its expiry. A short in-memory
//! cache spares storage a lookup per request; a logout on another instance takes effect within
//! `CACHE_SECONDS`.

use crate::error::ApiError;
use crate::state::AppState;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use carecircle_core::Actor;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

const CACHE_SECONDS: u64 = 10;
const CACHE_MAX: usize = 100_000;

pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>()).map_err(|_| ApiError::internal())?;
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|_| ApiError::internal())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash to verify against when the login is unknown, so that timing does not tell.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not a password of anyone").unwrap_or_default())
}

pub fn new_token() -> String {
    rand::random::<[u8; 32]>().iter().map(|b| format!("{b:02x}")).collect()
}

pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The client's address, when the connection told it (the server's own listener does).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip())))
    }
}

/// Who is calling: the signed-in account's actor.
#[derive(Debug, Clone)]
pub struct Caller {
    pub login: String,
    pub actor: Actor,
    pub token_hash: String,
}

#[derive(Default)]
pub struct SessionCache {
    entries: RwLock<HashMap<String, (Caller, DateTime<Utc>, Instant)>>,
}

impl SessionCache {
    fn get(&self, hash: &str) -> Option<Caller> {
        let map = self.entries.read().unwrap_or_else(|e| e.into_inner());
        let (caller, expires, cached) = map.get(hash)?;
        (*expires > Utc::now() && cached.elapsed() < Duration::from_secs(CACHE_SECONDS)).then(|| caller.clone())
    }
    fn put(&self, caller: Caller, expires: DateTime<Utc>) {
        let mut map = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if map.len() >= CACHE_MAX {
            map.clear();
        }
        map.insert(caller.token_hash.clone(), (caller, expires, Instant::now()));
    }
    pub fn forget(&self, hash: &str) {
        self.entries.write().unwrap_or_else(|e| e.into_inner()).remove(hash);
    }
    /// Drops every cached session of a login (its password or actor changed; storage has
    /// already ended them, and other instances' caches expire within `CACHE_SECONDS`).
    pub fn forget_login(&self, login: &str) {
        self.entries.write().unwrap_or_else(|e| e.into_inner()).retain(|_, (c, _, _)| c.login != login);
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).ok_or_else(ApiError::unauthorized)?;
        let token = header.strip_prefix("Bearer ").or_else(|| header.strip_prefix("bearer ")).ok_or_else(ApiError::unauthorized)?.trim();
        if token.is_empty() || token.len() > 256 {
            return Err(ApiError::unauthorized());
        }
        session_of(state, &token_hash(token)).await?.ok_or_else(ApiError::unauthorized)
    }
}

/// The live session of a token's hash, from the cache or else storage: the check of every
/// request, and of a live stream while it lasts.
pub async fn session_of(state: &AppState, hash: &str) -> Result<Option<Caller>, ApiError> {
    if let Some(c) = state.sessions.get(hash) {
        return Ok(Some(c));
    }
    let h = hash.to_string();
    let Some((account, expires)) = state.blocking(move |cc| cc.session(&h)).await? else { return Ok(None) };
    let caller = Caller { login: account.login, actor: account.actor, token_hash: hash.to_string() };
    state.sessions.put(caller.clone(), expires);
    Ok(Some(caller))
}
