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

fn balance(sql: &dyn Sql, account: &str) -> Result<i64> {
    sql.scalar("SELECT CAST(COALESCE(SUM(minutes), 0) AS BIGINT) FROM ledger_entry WHERE account_id = ?1", args![account])
}

fn account_exists(sql: &dyn Sql, id: &str) -> Result<()> {
    if sql.exists("SELECT 1 FROM timebank_account WHERE id = ?1", args![id])? { Ok(()) } else { Err(Error::not_found("time bank account", truncate(id, 64))) }
}

/// Posts one balanced transaction.
fn post(sql: &dyn Sql, em: &mut Emitter, kind: &str, reference: &str, legs: &[(&str, i64)]) -> Result<String> {
    debug_assert_eq!(legs.iter().map(|l| l.1).sum::<i64>(), 0, "a transaction must balance");
    let txn = uuid::Uuid::new_v4().to_string();
    for (account, minutes) in legs {
        sql.execute(
            "INSERT INTO ledger_entry (txn_id, account_id, minutes, kind, reference, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            args![txn, account, minutes, kind, reference, em.at],
        )?;
    }
    Ok(txn)
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

impl CareCircle {
    pub fn timebank_rules(&self) -> Result<TimeBankRules> {
        Ok(self.store.read(|sql| crate::store::setting(sql, "timebank_rules"))?.unwrap_or_default())
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
            Ok(())
        })?;
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

    /// A station operator or the district verifies a volunteer's service to a senior; the
    /// volunteer earns `minutes × earn_ratio`, up to the balance cap.
    pub fn record_volunteer_service(&self, actor: &Actor, volunteer_id: &str, senior_id: &str, service: Service, minutes: i64) -> Result<Earned> {
        positive(minutes)?;
        if minutes > 24 * 60 {
            return Err(Error::invalid("minutes", "one service lasts at most a day"));
        }
        let rules = self.timebank_rules()?;
        let id = uuid::Uuid::new_v4().to_string();
        self.write(|tx, em| {
            let senior = senior_in(tx, senior_id)?;
            match actor {
                Actor::District => {}
                Actor::Operator(station) if senior.station_id.as_deref() == Some(station.as_str()) => {}
                _ => return Err(Error::Forbidden(format!("{} may not verify volunteer services for senior {}", actor.label(), senior.id))),
            }
            account_exists(tx, volunteer_id)?;
            tx.execute(
                "INSERT INTO volunteer_service (id, volunteer_id, senior_id, service, minutes, verified_by, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                args![id, volunteer_id, senior_id, service.code(), minutes, actor.label(), em.at],
            )?;
            let earned = (minutes as f64 * rules.earn_ratio).round() as i64;
            let room = (rules.balance_cap_minutes - balance(tx, volunteer_id)?).max(0);
            let credited = earned.min(room);
            if credited > 0 {
                post(tx, em, "earn", &id, &[(ISSUED, -credited), (volunteer_id, credited)])?;
            }
            em.emit(tx, EventKind::HoursEarned, &id, senior_id, Some(volunteer_id), format!("minutes={credited} forfeited={}", earned - credited))?;
            Ok(Earned { service_id: id.clone(), credited_minutes: credited, forfeited_minutes: earned - credited, balance_minutes: balance(tx, volunteer_id)? })
        })
    }

    /// A holder gives hours to a family member (either direction of a family link).
    pub fn transfer_hours(&self, actor: &Actor, from: &str, to: &str, minutes: i64) -> Result<Account> {
        positive(minutes)?;
        let rules = self.timebank_rules()?;
        if !rules.allow_family_transfer {
            return Err(Error::Forbidden("this district does not allow transfers".into()));
        }
        may_move(actor, from)?;
        self.write(|tx, em| {
            account_exists(tx, from)?;
            account_exists(tx, to)?;
            let family = tx.exists(
                "SELECT 1 FROM family_link WHERE (senior_id = ?1 AND family_id = ?2) OR (senior_id = ?2 AND family_id = ?1)",
                args![from, to],
            )?;
            if !family {
                return Err(Error::Forbidden(format!("hours can only be given to family: {from} and {to} are not linked")));
            }
            if balance(tx, from)? < minutes {
                return Err(Error::invalid("minutes", format!("account {from} holds fewer than {minutes} minutes")));
            }
            within_cap(tx, &rules, to, minutes)?;
            let txn = post(tx, em, "transfer", &format!("{from}->{to}"), &[(from, -minutes), (to, minutes)])?;
            em.emit(tx, EventKind::HoursTransferred, &txn, to, Some(from), format!("minutes={minutes}"))?;
            Ok(())
        })?;
        self.timebank_account(from)
    }

    /// A holder spends hours on a service (a booking id or a station's service record); only
    /// from the redemption age.
    pub fn spend_hours(&self, actor: &Actor, account: &str, reference: &str, minutes: i64) -> Result<Account> {
        positive(minutes)?;
        if reference.trim().is_empty() || reference.chars().count() > 200 {
            return Err(Error::invalid("reference", "name the service the hours pay for (1-200 characters)"));
        }
        let rules = self.timebank_rules()?;
        may_move(actor, account)?;
        let today = shanghai_date(self.now());
        self.write(|tx, em| {
            let birth: Option<String> = tx
                .one("SELECT birth_date FROM timebank_account WHERE id = ?1", args![account])?
                .ok_or_else(|| Error::not_found("time bank account", truncate(account, 64)))?
                .get(0)?;
            let birth = birth.as_deref().map(crate::clock::parse_date).transpose()?.ok_or_else(|| Error::Forbidden("hours can be spent only once the holder's age is known".into()))?;
            let age = crate::person::age_on(birth, today);
            if age < rules.redeem_min_age {
                return Err(Error::Forbidden(format!("hours can be spent from age {}", rules.redeem_min_age)));
            }
            if balance(tx, account)? < minutes {
                return Err(Error::invalid("minutes", format!("account {account} holds fewer than {minutes} minutes")));
            }
            let txn = post(tx, em, "spend", reference, &[(account, -minutes), (REDEEMED, minutes)])?;
            em.emit(tx, EventKind::HoursSpent, &txn, account, None, format!("minutes={minutes} reference={}", truncate(reference, 60)))?;
            Ok(())
        })?;
        self.timebank_account(account)
    }

    /// A holder donates hours to the hardship pool.
    pub fn donate_hours(&self, actor: &Actor, from: &str, minutes: i64) -> Result<Account> {
        positive(minutes)?;
        if !self.timebank_rules()?.allow_donation {
            return Err(Error::Forbidden("this district does not take donations".into()));
        }
        may_move(actor, from)?;
        self.write(|tx, em| {
            account_exists(tx, from)?;
            if balance(tx, from)? < minutes {
                return Err(Error::invalid("minutes", format!("account {from} holds fewer than {minutes} minutes")));
            }
            let txn = post(tx, em, "donate", "hardship_pool", &[(from, -minutes), (HARDSHIP_POOL, minutes)])?;
            em.emit(tx, EventKind::HoursDonated, &txn, from, Some(HARDSHIP_POOL), format!("minutes={minutes}"))?;
            Ok(())
        })?;
        self.timebank_account(from)
    }

    /// The district grants donated hours to a senior in hardship (opening the senior's account if needed).
    pub fn grant_hours(&self, actor: &Actor, senior_id: &str, minutes: i64) -> Result<Account> {
        positive(minutes)?;
        if !matches!(actor, Actor::District) {
            return Err(Error::Forbidden(format!("{} may not grant donated hours", actor.label())));
        }
        let rules = self.timebank_rules()?;
        let now = self.now();
        self.write(|tx, em| {
            let senior = senior_in(tx, senior_id)?;
            tx.execute(
                "INSERT INTO timebank_account (id, name, birth_date, kind, created_at) VALUES (?1, ?2, ?3, 'person', ?4) ON CONFLICT(id) DO NOTHING",
                args![senior.id, senior.name, senior.birth_date.to_string(), now],
            )?;
            if balance(tx, HARDSHIP_POOL)? < minutes {
                return Err(Error::invalid("minutes", "the hardship pool holds fewer minutes than that"));
            }
            within_cap(tx, &rules, senior_id, minutes)?;
            let txn = post(tx, em, "grant", senior_id, &[(HARDSHIP_POOL, -minutes), (senior_id, minutes)])?;
            em.emit(tx, EventKind::HoursDonated, &txn, senior_id, Some(HARDSHIP_POOL), format!("granted_minutes={minutes}"))?;
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
