//! The volunteer time bank (时间银行): a double-entry ledger in minutes. Volunteers earn for
//! verified services, give hours to family, donate to the hardship pool, and spend them on
//! services once old enough; never for cash.

use crate::actor::Actor;
use crate::carecircle::CareCircle;
use crate::error::CareCircleError;
use crate::facility::Service;
use crate::time::{date, date_string, to_system_time};
use carecircle_core::timebank::{Account as CoreAccount, Earned as CoreEarned, Entry as CoreEntry, TimeBankRules as CoreRules};
use std::time::SystemTime;

/// The city's rules, as settings.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TimeBankRules {
    /// Hours credited per hour served (0.1 to 10; default 1).
    pub earn_ratio: f64,
    /// Highest personal balance, in minutes (default 1,500 hours).
    pub balance_cap_minutes: i64,
    /// Age from which hours can be spent (default 60).
    pub redeem_min_age: u32,
    pub allow_family_transfer: bool,
    pub allow_donation: bool,
}

impl From<CoreRules> for TimeBankRules {
    fn from(r: CoreRules) -> Self {
        TimeBankRules {
            earn_ratio: r.earn_ratio,
            balance_cap_minutes: r.balance_cap_minutes,
            redeem_min_age: r.redeem_min_age,
            allow_family_transfer: r.allow_family_transfer,
            allow_donation: r.allow_donation,
        }
    }
}

impl From<TimeBankRules> for CoreRules {
    fn from(r: TimeBankRules) -> Self {
        CoreRules {
            earn_ratio: r.earn_ratio,
            balance_cap_minutes: r.balance_cap_minutes,
            redeem_min_age: r.redeem_min_age,
            allow_family_transfer: r.allow_family_transfer,
            allow_donation: r.allow_donation,
        }
    }
}

/// A holder's account (a volunteer or a senior).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TimeBankAccount {
    pub id: String,
    pub name: String,
    /// "1990-05-17"; hours can be spent only once it is known.
    pub birth_date: Option<String>,
    pub balance_minutes: i64,
}

impl From<CoreAccount> for TimeBankAccount {
    fn from(a: CoreAccount) -> Self {
        TimeBankAccount { id: a.id, name: a.name, birth_date: a.birth_date.map(date_string), balance_minutes: a.balance_minutes }
    }
}

/// One leg of a ledger transaction.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LedgerEntry {
    pub seq: i64,
    /// The transaction; its entries sum to zero.
    pub txn_id: String,
    pub account_id: String,
    /// Positive credits the account, negative debits it.
    pub minutes: i64,
    /// "earn", "transfer", "spend", "donate" or "grant".
    pub kind: String,
    /// What it is for: the volunteer service, the transfer, the service bought.
    pub reference: String,
    pub at: SystemTime,
}

impl From<CoreEntry> for LedgerEntry {
    fn from(e: CoreEntry) -> Self {
        LedgerEntry { seq: e.seq, txn_id: e.txn_id, account_id: e.account_id, minutes: e.minutes, kind: e.kind, reference: e.reference, at: to_system_time(e.at) }
    }
}

/// What crediting a volunteer did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Earned {
    /// The verified service's id (the ledger entries' reference).
    pub service_id: String,
    pub credited_minutes: i64,
    /// Lost to the balance cap.
    pub forfeited_minutes: i64,
    pub balance_minutes: i64,
}

impl From<CoreEarned> for Earned {
    fn from(e: CoreEarned) -> Self {
        Earned { service_id: e.service_id, credited_minutes: e.credited_minutes, forfeited_minutes: e.forfeited_minutes, balance_minutes: e.balance_minutes }
    }
}

/// The bank's own accounts, for `hoursBalance` and `ledger`: hours issued (negative as hours
/// are earned), hours redeemed on services, and donations waiting to be granted.
#[uniffi::export]
pub fn timebank_bank_accounts() -> Vec<String> {
    use carecircle_core::timebank::{HARDSHIP_POOL, ISSUED, REDEEMED};
    vec![ISSUED.to_string(), REDEEMED.to_string(), HARDSHIP_POOL.to_string()]
}

#[uniffi::export]
impl CareCircle {
    pub fn timebank_rules(&self) -> Result<TimeBankRules, CareCircleError> {
        Ok(self.inner.timebank_rules()?.into())
    }

    pub fn set_timebank_rules(&self, rules: TimeBankRules) -> Result<(), CareCircleError> {
        Ok(self.inner.set_timebank_rules(&rules.into())?)
    }

    /// Opens an account for a volunteer or a senior (idempotent; a known birth date is kept).
    pub fn open_timebank_account(&self, id: String, name: String, birth_date: Option<String>) -> Result<TimeBankAccount, CareCircleError> {
        let birth = birth_date.as_deref().map(date).transpose()?;
        Ok(self.inner.open_timebank_account(&id, &name, birth)?.into())
    }

    pub fn timebank_account(&self, id: String) -> Result<TimeBankAccount, CareCircleError> {
        Ok(self.inner.timebank_account(&id)?.into())
    }

    /// A station operator (of the senior's station) or the district verifies a volunteer's
    /// service to a senior; the volunteer earns `minutes × earnRatio`, up to the cap.
    pub fn record_volunteer_service(&self, actor: Actor, volunteer_id: String, senior_id: String, service: Service, minutes: i64) -> Result<Earned, CareCircleError> {
        Ok(self.inner.record_volunteer_service(&actor.core(), &volunteer_id, &senior_id, service.into(), minutes)?.into())
    }

    /// A holder gives hours to a family member (either direction of a family link).
    pub fn transfer_hours(&self, actor: Actor, from: String, to: String, minutes: i64) -> Result<TimeBankAccount, CareCircleError> {
        Ok(self.inner.transfer_hours(&actor.core(), &from, &to, minutes)?.into())
    }

    /// A holder spends hours on a service (`reference`: a booking id or a station's service
    /// record); only from the redemption age.
    pub fn spend_hours(&self, actor: Actor, account: String, reference: String, minutes: i64) -> Result<TimeBankAccount, CareCircleError> {
        Ok(self.inner.spend_hours(&actor.core(), &account, &reference, minutes)?.into())
    }

    /// A holder donates hours to the hardship pool.
    pub fn donate_hours(&self, actor: Actor, from: String, minutes: i64) -> Result<TimeBankAccount, CareCircleError> {
        Ok(self.inner.donate_hours(&actor.core(), &from, minutes)?.into())
    }

    /// The district grants donated hours to a senior in hardship.
    pub fn grant_hours(&self, actor: Actor, senior_id: String, minutes: i64) -> Result<TimeBankAccount, CareCircleError> {
        Ok(self.inner.grant_hours(&actor.core(), &senior_id, minutes)?.into())
    }

    /// The balance of any account, the bank's own included, in minutes.
    pub fn hours_balance(&self, account: String) -> Result<i64, CareCircleError> {
        Ok(self.inner.hours_balance(&account)?)
    }

    /// An account's entries, oldest first.
    pub fn ledger(&self, account: String) -> Result<Vec<LedgerEntry>, CareCircleError> {
        Ok(self.inner.ledger(&account)?.into_iter().map(Into::into).collect())
    }

    /// The ledger's self-check: the problems found (every transaction must sum to zero, no
    /// personal balance be negative or over the cap). Empty when all is well.
    pub fn audit_ledger(&self) -> Result<Vec<String>, CareCircleError> {
        Ok(self.inner.audit_ledger()?)
    }
}
