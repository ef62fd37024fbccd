//! Accounts on the district platform and their sessions. The platform (the server) hashes
//! passwords (argon2) and tokens (SHA-256) itself; this module only stores the hashes, so that
//! accounts live in the same database as everything else, SQLite or PostgreSQL.
//!
//! An account acts as one [`Actor`]: a senior, a family member, a caregiver, a station's
//! operator or the district's administrator. What it may see and do is the core's rules for that
//! actor; the account adds nothing.

use crate::args;
use crate::carecircle::CareCircle;
use crate::db::{Row, SqlExt};
use crate::error::{Error, Result};
use crate::person::Actor;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub login: String,
    pub actor: Actor,
    /// A PHC string (argon2id), never the password.
    #[serde(skip_serializing)]
    pub password_hash: String,
    pub disabled: bool,
}

fn account_from_row(r: &Row) -> Result<Account> {
    Ok(Account { login: r.get(0)?, actor: Actor::parse(&r.get::<String>(1)?)?, password_hash: r.get(2)?, disabled: r.get(3)? })
}

/// Logins are 1 to 64 characters without spaces or control characters.
pub fn check_login(login: &str) -> Result<()> {
    if login.is_empty() || login.chars().count() > 64 || login.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid("login", "1 to 64 characters, no spaces"));
    }
    Ok(())
}

/// Passwords are 8 to 256 characters (bytes at most 256, so a hash never meets a huge input).
pub fn check_password(password: &str) -> Result<()> {
    if password.chars().count() < 8 || password.len() > 256 {
        return Err(Error::invalid("password", "8 to 256 characters"));
    }
    Ok(())
}

/// May `by` create an account with this login and password? Only the district administers
/// accounts; the login and password must be ones the platform takes. Checked before the
/// (slow) password hash is made.
pub fn check_new_account(by: &Actor, login: &str, password: &str) -> Result<()> {
    if *by != Actor::District {
        return Err(Error::Forbidden("only the district creates accounts".into()));
    }
    check_login(login)?;
    check_password(password)
}

impl CareCircle {
    /// Creates or replaces an account. The actor must name someone who exists here.
    pub fn put_account(&self, account: &Account) -> Result<()> {
        check_login(&account.login)?;
        let exists = |sql: &dyn crate::db::Sql, table: &str, id: &str| sql.exists(&format!("SELECT 1 FROM {table} WHERE id = ?1"), args![id]);
        let now = self.now();
        self.store.write(|tx| {
            let known = match &account.actor {
                Actor::Senior(id) => exists(tx, "senior", id)?,
                Actor::Family(id) => exists(tx, "family_member", id)?,
                Actor::Caregiver(id) => exists(tx, "caregiver", id)?,
                Actor::Operator(id) => exists(tx, "facility", id)?,
                Actor::Township(code) => tx.exists("SELECT 1 FROM facility WHERE division LIKE ?1", args![format!("{code}%")])?,
                Actor::District => true,
                Actor::System => false,
            };
            if !known {
                return Err(Error::invalid("account", format!("{} is not someone on this platform", account.actor.label())));
            }
            let before = tx.one("SELECT actor, password_hash FROM account WHERE login = ?1", args![account.login])?;
            tx.execute(
                "INSERT INTO account (login, actor, password_hash, created_at, disabled) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(login) DO UPDATE SET actor = excluded.actor, password_hash = excluded.password_hash, disabled = excluded.disabled",
                args![account.login, account.actor.label(), account.password_hash, now, account.disabled],
            )?;
            // A new password, a new actor or a disabled account ends every session of the login:
            // a token must never outlive the secret it was given for, or act as someone else.
            let changed = match &before {
                Some(r) => r.get::<String>(0)? != account.actor.label() || r.get::<String>(1)? != account.password_hash,
                None => false,
            };
            if account.disabled || changed {
                tx.execute("DELETE FROM session WHERE login = ?1", args![account.login])?;
            }
            Ok(())
        })
    }

    pub fn account(&self, login: &str) -> Result<Option<Account>> {
        self.store.read(|sql| sql.one("SELECT login, actor, password_hash, disabled FROM account WHERE login = ?1", args![login])?.as_ref().map(account_from_row).transpose())
    }

    /// Stores a session: the hash of a bearer token, valid until `expires_at`.
    pub fn put_session(&self, token_hash: &str, login: &str, expires_at: DateTime<Utc>) -> Result<()> {
        let now = self.now();
        self.store.write(|tx| {
            tx.execute("DELETE FROM session WHERE expires_at <= ?1", args![now])?;
            tx.execute("INSERT INTO session (token_hash, login, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)", args![token_hash, login, now, expires_at])?;
            Ok(())
        })
    }

    /// The account of a live session, with its expiry; `None` if unknown, expired or disabled.
    pub fn session(&self, token_hash: &str) -> Result<Option<(Account, DateTime<Utc>)>> {
        let now = self.now();
        let row = self.store.read(|sql| {
            sql.one(
                "SELECT a.login, a.actor, a.password_hash, a.disabled, s.expires_at FROM session s JOIN account a ON a.login = s.login
                 WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND a.disabled = 0",
                args![token_hash, now],
            )
        })?;
        row.map(|r| Ok((account_from_row(&r)?, r.get(4)?))).transpose()
    }

    pub fn end_session(&self, token_hash: &str) -> Result<()> {
        self.store.write(|tx| tx.execute("DELETE FROM session WHERE token_hash = ?1", args![token_hash]).map(|_| ()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_district_makes_accounts_with_a_fair_password() {
        assert!(check_new_account(&Actor::District, "li.ming", "long enough").is_ok());
        assert!(matches!(check_new_account(&Actor::Operator("ZH-ST-01".into()), "li.ming", "long enough"), Err(Error::Forbidden(_))));
        assert!(matches!(check_new_account(&Actor::District, "li ming", "long enough"), Err(Error::InvalidInput { field: "login", .. })));
        assert!(matches!(check_new_account(&Actor::District, "li.ming", "short"), Err(Error::InvalidInput { field: "password", .. })));
        assert!(check_password(&"密".repeat(85)).is_ok(), "85 three-byte characters are 255 bytes");
        assert!(check_password(&"密".repeat(86)).is_err(), "258 bytes");
    }
}
