//! The volunteer time bank (时间银行): volunteers earn hours for verified volunteer services,
//! keep them, give them to family members, donate them to seniors in hardship, and spend them on
//! services once old enough; never for cash (there is no operation that pays out money).
//!
//! A double-entry ledger in minutes: every transaction is a set of entries summing to zero,
//! each traceable to its reference (the volunteer service, the transfer, the service bought).
//! The bank's own accounts: `bank:issued` (goes negative as hours are issued), `bank:redeemed`
//! (hours spent on services) and `bank:hardship_pool` (donations waiting to be granted).
//! Personal balances are never negative and never above the cap.

use crate::args;
use crate::carecircle::CareCircle;
use crate::clock::shanghai_date;
use crate::db::{Sql, SqlExt};
use crate::error::{Error, Result};
use crate::event::{Emitter, EventKind};
use crate::facility::{Service, check_id, truncate};
use crate::person::{Actor, senior_in};
use crate::sync::{Change, Command};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub const ISSUED: &str = "bank:issued";
pub const REDEEMED: &str = "bank:redeemed";
pub const HARDSHIP_POOL: &str = "bank:hardship_pool";

/// City rules, as settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeBankRules {
    /// Hours credited per hour served (Shanghai: 1).
    pub earn_ratio: f64,
    /// Highest personal balance, in minutes (Nanjing: 1,500 hours).
    pub balance_cap_minutes: i64,
    /// Age from which hours can be spent (60 or 65).
    pub redeem_min_age: u32,
    pub allow_family_transfer: bool,
    pub allow_donation: bool,
}

impl Default for TimeBankRules {
    fn default() -> Self {
        TimeBankRules { earn_ratio: 1.0, balance_cap_minutes: 1500 * 60, redeem_min_age: 60, allow_family_transfer: true, allow_donation: true }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub name: String,
    pub birth_date: Option<NaiveDate>,
    pub balance_minutes: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: i64,
    pub txn_id: String,
    pub account_id: String,
    pub minutes: i64,
    /// earn, transfer, spend, donate, grant.
    pub kind: String,
    pub reference: String,
    pub at: DateTime<Utc>,
}

/// The result of crediting a volunteer: what the cap let through.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Earned {
    pub service_id: String,
    pub credited_minutes: i64,
    /// Lost to the balance cap.
    pub forfeited_minutes: i64,
    pub balance_minutes: i64,
}

/// A personal balance is kept on its account (it travels to the holder's phone); the bank's own
/// accounts have no row and are summed from the ledger.
fn balance(sql: &dyn Sql, account: &str) -> Result<i64> {
    if account.starts_with("bank:") {
        return sql.scalar("SELECT CAST(COALESCE(SUM(minutes), 0) AS BIGINT) FROM ledger_entry WHERE account_id = ?1", args![account]);
    }
    Ok(sql.one("SELECT balance_minutes FROM timebank_account WHERE id = ?1", args![account])?.map(|r| r.get(0)).transpose()?.unwrap_or(0))
}

fn account_exists(sql: &dyn Sql, id: &str) -> Result<()> {
    if sql.exists("SELECT 1 FROM timebank_account WHERE id = ?1", args![id])? { Ok(()) } else { Err(Error::not_found("time bank account", truncate(id, 64))) }
}

/// The change-log entry of an account: a senior's is hers, anyone else's the holder's.
fn account_changed(sql: &dyn Sql, em: &mut Emitter, id: &str) -> Result<()> {
    let senior = sql.exists("SELECT 1 FROM senior WHERE id = ?1", args![id])?.then(|| id.to_string());
    em.changed(Change::timebank_account(id, senior));
    Ok(())
}

/// Posts one balanced transaction, named by the command's move id (so it is posted once).
fn post(sql: &dyn Sql, em: &mut Emitter, txn: &str, kind: &str, reference: &str, legs: &[(&str, i64)]) -> Result<()> {
    debug_assert_eq!(legs.iter().map(|l| l.1).sum::<i64>(), 0, "a transaction must balance");
    crate::sync::check_client_id("move id", txn)?;
    if sql.exists("SELECT 1 FROM ledger_entry WHERE txn_id = ?1", args![txn])? {
        return Err(Error::Duplicate { what: "time bank move", id: txn.to_string() });
    }
    for (account, minutes) in legs {
        sql.execute(
            "INSERT INTO ledger_entry (txn_id, account_id, minutes, kind, reference, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            args![txn, account, minutes, kind, reference, em.at],
        )?;
        if !account.starts_with("bank:") {
            sql.execute("UPDATE timebank_account SET balance_minutes = balance_minutes + ?2 WHERE id = ?1", args![account, minutes])?;
            account_changed(sql, em, account)?;
        }
    }
    Ok(())
}

fn positive(minutes: i64) -> Result<()> {
    if (1..=100_000 * 60).contains(&minutes) { Ok(()) } else { Err(Error::invalid("minutes", "must be a positive number of minutes")) }
}

fn holder(actor: &Actor) -> Option<&str> {
    match actor {
        Actor::Senior(id) | Actor::Family(id) | Actor::Caregiver(id) => Some(id),
        _ => None,
    }
}

/// The account holder, or the district acting for them.
fn may_move(actor: &Actor, account: &str) -> Result<()> {
    if holder(actor) == Some(account) || matches!(actor, Actor::District) {
        Ok(())
    } else {
        Err(Error::Forbidden(format!("{} may not move hours from account {account}", actor.label())))
    }
}

fn within_cap(sql: &dyn Sql, rules: &TimeBankRules, account: &str, adding: i64) -> Result<()> {
    let after = balance(sql, account)? + adding;
    if after > rules.balance_cap_minutes {
        return Err(Error::Full(format!("account {account} would hold {} hours, over the cap of {}", after / 60, rules.balance_cap_minutes / 60)));
    }
    Ok(())
}

fn rules_in(sql: &dyn Sql) -> Result<TimeBankRules> {
    Ok(crate::store::setting(sql, "timebank_rules")?.unwrap_or_default())
}

fn holds(sql: &dyn Sql, account: &str, minutes: i64) -> Result<()> {
    if balance(sql, account)? < minutes {
        return Err(Error::invalid("minutes", format!("account {account} holds fewer than {minutes} minutes")));
    }
    Ok(())
}

/// A station operator or the district verifies a volunteer's service to a senior; the
/// volunteer earns `minutes × earn_ratio`, up to the balance cap.
pub(crate) fn record_service_in(tx: &dyn Sql, em: &mut Emitter, actor: &Actor, id: &str, volunteer_id: &str, senior_id: &str, service: Service, minutes: i64) -> Result<Earned> {
    positive(minutes)?;
    if minutes > 24 * 60 {
        return Err(Error::invalid("minutes", "one service lasts at most a day"));
    }
    crate::sync::check_client_id("service id", id)?;
    let rules = rules_in(tx)?;
    let senior = senior_in(tx, senior_id)?;
    match actor {
        Actor::District | Actor::Operator(_) | Actor::Township(_) if crate::person::oversees(actor, &senior) => {}
        _ => return Err(Error::Forbidden(format!("{} may not verify volunteer services for senior {}", actor.label(), senior.id))),
    }
    account_exists(tx, volunteer_id)?;
    if tx.exists("SELECT 1 FROM volunteer_service WHERE id = ?1", args![id])? {
        return Err(Error::Duplicate { what: "volunteer service", id: id.to_string() });
    }
    tx.execute(
        "INSERT INTO volunteer_service (id, volunteer_id, senior_id, service, minutes, verified_by, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        args![id, volunteer_id, senior_id, service.code(), minutes, actor.label(), em.at],
    )?;
    let earned = (minutes as f64 * rules.earn_ratio).round() as i64;
    let room = (rules.balance_cap_minutes - balance(tx, volunteer_id)?).max(0);
    let credited = earned.min(room);
    if credited > 0 {
        post(tx, em, id, "earn", id, &[(ISSUED, -credited), (volunteer_id, credited)])?;
    }
    em.emit(tx, EventKind::HoursEarned, id, senior_id, Some(volunteer_id), format!("minutes={credited} forfeited={}", earned - credited))?;
    Ok(Earned { service_id: id.to_string(), credited_minutes: credited, forfeited_minutes: earned - credited, balance_minutes: balance(tx, volunteer_id)? })
}

/// A holder gives hours to a family member (either direction of a family link).
pub(crate) fn transfer_in(tx: &dyn Sql, em: &mut Emitter, actor: &Actor, id: &str, from: &str, to: &str, minutes: i64) -> Result<()> {
    positive(minutes)?;
    let rules = rules_in(tx)?;
    if !rules.allow_family_transfer {
        return Err(Error::Forbidden("this district does not allow transfers".into()));
    }
    may_move(actor, from)?;
    account_exists(tx, from)?;
    account_exists(tx, to)?;
    let family = tx.exists("SELECT 1 FROM family_link WHERE (senior_id = ?1 AND family_id = ?2) OR (senior_id = ?2 AND family_id = ?1)", args![from, to])?;
    if !family {
        return Err(Error::Forbidden(format!("hours can only be given to family: {from} and {to} are not linked")));
    }
    holds(tx, from, minutes)?;
    within_cap(tx, &rules, to, minutes)?;
    post(tx, em, id, "transfer", &format!("{from}->{to}"), &[(from, -minutes), (to, minutes)])?;
    em.emit(tx, EventKind::HoursTransferred, id, to, Some(from), format!("minutes={minutes}"))?;
    Ok(())
}

/// A holder spends hours on a service (a booking id or a station's service record); only
/// from the redemption age.
pub(crate) fn spend_in(tx: &dyn Sql, em: &mut Emitter, actor: &Actor, id: &str, account: &str, reference: &str, minutes: i64) -> Result<()> {
    positive(minutes)?;
    if reference.trim().is_empty() || reference.chars().count() > 200 {
        return Err(Error::invalid("reference", "name the service the hours pay for (1-200 characters)"));
    }
    let rules = rules_in(tx)?;
    may_move(actor, account)?;
    let birth: Option<String> =
        tx.one("SELECT birth_date FROM timebank_account WHERE id = ?1", args![account])?.ok_or_else(|| Error::not_found("time bank account", truncate(account, 64)))?.get(0)?;
    let birth = birth.as_deref().map(crate::clock::parse_date).transpose()?.ok_or_else(|| Error::Forbidden("hours can be spent only once the holder's age is known".into()))?;
    if crate::person::age_on(birth, shanghai_date(em.at)) < rules.redeem_min_age {
        return Err(Error::Forbidden(format!("hours can be spent from age {}", rules.redeem_min_age)));
    }
    holds(tx, account, minutes)?;
    post(tx, em, id, "spend", reference, &[(account, -minutes), (REDEEMED, minutes)])?;
    em.emit(tx, EventKind::HoursSpent, id, account, None, format!("minutes={minutes} reference={}", truncate(reference, 60)))?;
    Ok(())
}

/// A holder donates hours to the hardship pool.
pub(crate) fn donate_in(tx: &dyn Sql, em: &mut Emitter, actor: &Actor, id: &str, from: &str, minutes: i64) -> Result<()> {
    positive(minutes)?;
    if !rules_in(tx)?.allow_donation {
        return Err(Error::Forbidden("this district does not take donations".into()));
    }
    may_move(actor, from)?;
    account_exists(tx, from)?;
    holds(tx, from, minutes)?;
    post(tx, em, id, "donate", "hardship_pool", &[(from, -minutes), (HARDSHIP_POOL, minutes)])?;
    em.emit(tx, EventKind::HoursDonated, id, from, Some(HARDSHIP_POOL), format!("minutes={minutes}"))?;
    Ok(())
}

/// The district grants donated hours to a senior in hardship (opening the senior's account if needed).
pub(crate) fn grant_in(tx: &dyn Sql, em: &mut Emitter, actor: &Actor, id: &str, senior_id: &str, minutes: i64) -> Result<()> {
    positive(minutes)?;
    if !matches!(actor, Actor::District) {
        return Err(Error::Forbidden(format!("{} may not grant donated hours", actor.label())));
    }
    let rules = rules_in(tx)?;
    let senior = senior_in(tx, senior_id)?;
    tx.execute(
        "INSERT INTO timebank_account (id, name, birth_date, kind, created_at) VALUES (?1, ?2, ?3, 'person', ?4) ON CONFLICT(id) DO NOTHING",
        args![senior.id, senior.name, senior.birth_date.to_string(), em.at],
    )?;
    if balance(tx, HARDSHIP_POOL)? < minutes {
        return Err(Error::invalid("minutes", "the hardship pool holds fewer minutes than that"));
    }
    within_cap(tx, &rules, senior_id, minutes)?;
    post(tx, em, id, "grant", senior_id, &[(HARDSHIP_POOL, -minutes), (senior_id, minutes)])?;
    em.emit(tx, EventKind::HoursDonated, id, senior_id, Some(HARDSHIP_POOL), format!("granted_minutes={minutes}"))?;
    Ok(())
}

impl CareCircle {
    pub fn timebank_rules(&self) -> Result<TimeBankRules> {
        self.store.read(rules_in)
    }

    pub fn set_timebank_rules(&self, rules: &TimeBankRules) -> Result<()> {
        if !(rules.earn_ratio.is_finite() && (0.1..=10.0).contains(&rules.earn_ratio)) || !(60..=100_000 * 60).contains(&rules.balance_cap_minutes) || rules.redeem_min_age > 120 {
            return Err(Error::invalid("time bank rules", "ratio 0.1-10, cap 1-100000 hours, age up to 120"));
        }
        self.store.write(|sql| crate::sync::put_phone_setting(self, sql, "timebank_rules", rules))
    }

    /// Opens an account for a volunteer or a senior (idempotent).
    pub fn open_timebank_account(&self, id: &str, name: &str, birth_date: Option<NaiveDate>) -> Result<Account> {
        let mut problems = Vec::new();
        check_id(id, &mut problems);
        if id.starts_with("bank:") {
            problems.push("ids starting with bank: are the bank's own".into());
        }
        if name.trim().is_empty() || name.chars().count() > 128 {
            problems.push("name must be 1-128 characters".into());
        }
        if let Some(p) = problems.into_iter().next() {
            return Err(Error::invalid("account", p));
        }
        let now = self.now();
        self.store.write(|sql| {
            sql.execute(
                "INSERT INTO timebank_account (id, name, birth_date, kind, created_at) VALUES (?1, ?2, ?3, 'person', ?4)
                 ON CONFLICT(id) DO UPDATE SET name = excluded.name, birth_date = COALESCE(excluded.birth_date, timebank_account.birth_date)",
                args![id, name, birth_date.map(|d| d.to_string()), now],
            )?;
            let senior = sql.exists("SELECT 1 FROM senior WHERE id = ?1", args![id])?.then(|| id.to_string());
            crate::sync::log_changes(self, sql, vec![Change::timebank_account(id, senior)])
        })?;
        self.timebank_account(id)
    }

    /// An account as `actor` may see it (not found otherwise, so nobody learns who holds one).
    pub fn timebank_account_for(&self, actor: &Actor, id: &str) -> Result<Account> {
        if !self.store.read(|sql| crate::sync::server::sees_account(sql, actor, id))? {
            return Err(Error::not_found("time bank account", truncate(id, 64)));
        }
        self.timebank_account(id)
    }

    pub fn timebank_account(&self, id: &str) -> Result<Account> {
        self.store.read(|sql| {
            let r = sql.one("SELECT id, name, birth_date FROM timebank_account WHERE id = ?1", args![id])?.ok_or_else(|| Error::not_found("time bank account", truncate(id, 64)))?;
            Ok(Account {
                id: r.get(0)?,
                name: r.get(1)?,
                birth_date: r.get::<Option<String>>(2)?.as_deref().map(crate::clock::parse_date).transpose()?,
                balance_minutes: balance(sql, id)?,
            })
        })
    }

    /// A station operator or the district verifies a volunteer's service to a senior.
    pub fn record_volunteer_service(&self, actor: &Actor, volunteer_id: &str, senior_id: &str, service: Service, minutes: i64) -> Result<Earned> {
        let id = uuid::Uuid::new_v4().to_string();
        self.write(|tx, em| {
            let earned = record_service_in(tx, em, actor, &id, volunteer_id, senior_id, service, minutes)?;
            em.record(actor, Command::RecordVolunteerService { move_id: id.clone(), volunteer_id: volunteer_id.into(), senior_id: senior_id.into(), service, minutes });
            Ok(earned)
        })
    }

    /// A holder gives hours to a family member (either direction of a family link).
    pub fn transfer_hours(&self, actor: &Actor, from: &str, to: &str, minutes: i64) -> Result<Account> {
        let id = uuid::Uuid::new_v4().to_string();
        self.write(|tx, em| {
            transfer_in(tx, em, actor, &id, from, to, minutes)?;
            em.record(actor, Command::TransferHours { move_id: id.clone(), from: from.into(), to: to.into(), minutes });
            Ok(())
        })?;
        self.timebank_account(from)
    }

    /// A holder spends hours on a service; only from the redemption age.
    pub fn spend_hours(&self, actor: &Actor, account: &str, reference: &str, minutes: i64) -> Result<Account> {
        let id = uuid::Uuid::new_v4().to_string();
        self.write(|tx, em| {
            spend_in(tx, em, actor, &id, account, reference, minutes)?;
            em.record(actor, Command::SpendHours { move_id: id.clone(), account: account.into(), reference: reference.into(), minutes });
            Ok(())
        })?;
        self.timebank_account(account)
    }

    /// A holder donates hours to the hardship pool.
    pub fn donate_hours(&self, actor: &Actor, from: &str, minutes: i64) -> Result<Account> {
        let id = uuid::Uuid::new_v4().to_string();
        self.write(|tx, em| {
            donate_in(tx, em, actor, &id, from, minutes)?;
            em.record(actor, Command::DonateHours { move_id: id.clone(), from: from.into(), minutes });
            Ok(())
        })?;
        self.timebank_account(from)
    }

    /// The district grants donated hours to a senior in hardship (opening the senior's account if needed).
    pub fn grant_hours(&self, actor: &Actor, senior_id: &str, minutes: i64) -> Result<Account> {
        let id = uuid::Uuid::new_v4().to_string();
        self.write(|tx, em| {
            grant_in(tx, em, actor, &id, senior_id, minutes)?;
            em.record(actor, Command::GrantHours { move_id: id.clone(), senior_id: senior_id.into(), minutes });
            Ok(())
        })?;
        self.timebank_account(senior_id)
    }

    /// The balance of any account, the bank's own included, in minutes.
    pub fn hours_balance(&self, account: &str) -> Result<i64> {
        self.store.read(|sql| balance(sql, account))
    }

    /// An account's entries, oldest first.
    pub fn ledger(&self, account: &str) -> Result<Vec<Entry>> {
        self.store.read(|sql| {
            sql.query("SELECT seq, txn_id, account_id, minutes, kind, reference, at FROM ledger_entry WHERE account_id = ?1 ORDER BY seq", args![account])?
                .iter()
                .map(|r| Ok(Entry { seq: r.get(0)?, txn_id: r.get(1)?, account_id: r.get(2)?, minutes: r.get(3)?, kind: r.get(4)?, reference: r.get(5)?, at: r.get(6)? }))
                .collect()
        })
    }

    /// The ledger's self-check: every transaction sums to zero, no personal balance is negative
    /// or above the cap. Returns the problems found (none, always, unless the file was edited by hand).
    pub fn audit_ledger(&self) -> Result<Vec<String>> {
        let cap = self.timebank_rules()?.balance_cap_minutes;
        self.store.read(|sql| {
            let mut problems = Vec::new();
            for r in sql.query("SELECT txn_id, CAST(SUM(minutes) AS BIGINT) FROM ledger_entry GROUP BY txn_id HAVING SUM(minutes) <> 0", &[])? {
                problems.push(format!("transaction {} does not balance", r.get::<String>(0)?));
            }
            for r in sql.query(
                "SELECT a.id FROM timebank_account a WHERE a.balance_minutes <> (SELECT CAST(COALESCE(SUM(e.minutes), 0) AS BIGINT) FROM ledger_entry e WHERE e.account_id = a.id)",
                &[],
            )? {
                problems.push(format!("account {}'s balance does not match its ledger", r.get::<String>(0)?));
            }
            for r in sql.query("SELECT account_id, CAST(SUM(minutes) AS BIGINT) FROM ledger_entry WHERE account_id NOT LIKE 'bank:%' GROUP BY account_id", &[])? {
                let (account, total): (String, i64) = (r.get(0)?, r.get(1)?);
                if total < 0 || total > cap {
                    problems.push(format!("account {account} holds {total} minutes"));
                }
            }
            Ok(problems)
        })
    }
}
