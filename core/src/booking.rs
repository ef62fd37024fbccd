//! Bookings of home visits and their state machine; matching offers a request to the
//! nearest qualified, free caregivers, and the first accept wins.
//!
//! ```text
//! requested --offer--> offered --accept--> accepted --check_in--> checked_in --check_out--> completed
//!     |                  |  \--all decline--> declined --offer--> offered
//!     +--cancel/expire---+--cancel/expire------+                     accepted --cancel--> cancelled
//!                                                                    accepted --no_show--> no_show
//!                                                                    accepted --withdraw--> declined
//!                                                                    accepted --hand_over--> accepted (another caregiver)
//! ```
//! A hand-over is how a confirmed day plan (`route`) moves an accepted visit: the new caregiver is
//! offered it and the one who accepted keeps it until the new one accepts.
//! Every transition goes through [`next_state`]; anything else is a typed error.

use crate::carecircle::CareCircle;
use crate::error::{Error, Result};
use crate::event::{Emitter, EventKind};
use crate::facility::{Service, truncate};
use crate::person::{Actor, Senior, may_act_for, senior_in};
use crate::service_catalogue::terms_in;
use chrono::{DateTime, Duration, Utc};
use crate::args;
use crate::db::{Row, Sql, SqlExt};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingState {
    Requested,
    Offered,
    Accepted,
    CheckedIn,
    Completed,
    Cancelled,
    Declined,
    Expired,
    NoShow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingAction {
    Offer,
    Accept,
    Decline,
    CheckIn,
    CheckOut,
    Cancel,
    Expire,
    MarkNoShow,
    /// The assigned caregiver can no longer come (marked absent): back to matching.
    Withdraw,
    /// A caregiver offered an accepted visit by a day plan accepts it: it is theirs now.
    HandOver,
}

impl BookingState {
    pub const ALL: [BookingState; 9] = [
        BookingState::Requested,
        BookingState::Offered,
        BookingState::Accepted,
        BookingState::CheckedIn,
        BookingState::Completed,
        BookingState::Cancelled,
        BookingState::Declined,
        BookingState::Expired,
        BookingState::NoShow,
    ];
    pub fn code(self) -> &'static str {
        match self {
            BookingState::Requested => "requested",
            BookingState::Offered => "offered",
            BookingState::Accepted => "accepted",
            BookingState::CheckedIn => "checked_in",
            BookingState::Completed => "completed",
            BookingState::Cancelled => "cancelled",
            BookingState::Declined => "declined",
            BookingState::Expired => "expired",
            BookingState::NoShow => "no_show",
        }
    }
    pub fn parse(s: &str) -> Result<Self> {
        BookingState::ALL.into_iter().find(|b| b.code() == s).ok_or_else(|| Error::invalid("booking state", format!("unknown '{}'", truncate(s, 20))))
    }
    pub fn is_final(self) -> bool {
        matches!(self, BookingState::Completed | BookingState::Cancelled | BookingState::Expired | BookingState::NoShow)
    }
}

impl BookingAction {
    pub fn past_tense(self) -> &'static str {
        match self {
            BookingAction::Offer => "offered",
            BookingAction::Accept => "accepted",
            BookingAction::Decline => "declined",
            BookingAction::CheckIn => "checked in",
            BookingAction::CheckOut => "checked out",
            BookingAction::Cancel => "cancelled",
            BookingAction::Expire => "expired",
            BookingAction::MarkNoShow => "marked no-show",
            BookingAction::Withdraw => "withdrawn",
            BookingAction::HandOver => "handed over",
        }
    }
}

/// The transition table: the state after `action`, or `None` if it is not allowed.
pub fn next_state(from: BookingState, action: BookingAction) -> Option<BookingState> {
    use BookingAction as A;
    use BookingState as S;
    match (from, action) {
        (S::Requested | S::Offered | S::Declined, A::Offer) => Some(S::Offered),
        (S::Offered, A::Accept) => Some(S::Accepted),
        (S::Offered, A::Decline) => Some(S::Declined),
        (S::Accepted, A::CheckIn) => Some(S::CheckedIn),
        (S::CheckedIn, A::CheckOut) => Some(S::Completed),
        (S::Requested | S::Offered | S::Declined | S::Accepted, A::Cancel) => Some(S::Cancelled),
        (S::Requested | S::Offered | S::Declined, A::Expire) => Some(S::Expired),
        (S::Accepted, A::MarkNoShow) => Some(S::NoShow),
        (S::Accepted, A::Withdraw) => Some(S::Declined),
        (S::Accepted, A::HandOver) => Some(S::Accepted),
        _ => None,
    }
}

pub(crate) fn transition(b: &Booking, action: BookingAction) -> Result<BookingState> {
    next_state(b.state, action).ok_or_else(|| Error::InvalidTransition { booking: b.id.clone(), from: b.state.code().into(), action: action.past_tense().into() })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Booking {
    pub id: String,
    pub senior_id: String,
    pub service: Service,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub state: BookingState,
    /// The actor who asked, as "family:F1".
    pub requested_by: String,
    pub caregiver_id: Option<String>,
    pub note: String,
    pub cancelled_by: Option<String>,
    /// Why it was cancelled or declined.
    pub reason: Option<String>,
    pub price_fen_per_hour: u32,
    pub government_paid: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a family member, a senior or an operator asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BookingRequest {
    pub senior_id: String,
    pub service: Service,
    pub start: DateTime<Utc>,
    /// The catalogue's duration if not given.
    pub duration_minutes: Option<u32>,
    pub note: String,
}

/// An offer made to one caregiver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    pub booking_id: String,
    pub caregiver_id: String,
    /// open, accepted, declined, lost (someone else accepted) or withdrawn.
    pub status: String,
    /// From the caregiver's base to the senior's home.
    pub distance_m: f64,
}

const BOOKING_COLUMNS: &str =
    "id, senior_id, service, start_at, end_at, state, requested_by, caregiver_id, note, cancelled_by, reason, price_fen_per_hour, government_paid, created_at, updated_at";

fn booking_from_row(r: &Row) -> Result<Booking> {
    let service: String = r.get(2)?;
    let state: String = r.get(5)?;
    Ok(Booking {
        id: r.get(0)?,
        senior_id: r.get(1)?,
        service: service.parse()?,
        start: r.get(3)?,
        end: r.get(4)?,
        state: BookingState::parse(&state)?,
        requested_by: r.get(6)?,
        caregiver_id: r.get(7)?,
        note: r.get(8)?,
        cancelled_by: r.get(9)?,
        reason: r.get(10)?,
        price_fen_per_hour: r.get(11)?,
        government_paid: r.get(12)?,
        created_at: r.get(13)?,
        updated_at: r.get(14)?,
    })
}

pub(crate) fn booking_in(sql: &dyn Sql, id: &str) -> Result<Booking> {
    let row = sql.one(&format!("SELECT {BOOKING_COLUMNS} FROM booking WHERE id = ?1"), args![id])?;
    booking_from_row(&row.ok_or_else(|| Error::not_found("booking", truncate(id, 64)))?)
}

/// Writes the booking's new state (and the fields that go with it).
pub(crate) fn save_state(tx: &dyn Sql, b: &Booking) -> Result<()> {
    tx.execute(
        "UPDATE booking SET state = ?2, caregiver_id = ?3, cancelled_by = ?4, reason = ?5, updated_at = ?6 WHERE id = ?1",
        args![b.id, b.state.code(), b.caregiver_id, b.cancelled_by, b.reason, b.updated_at],
    )?;
    Ok(())
}

fn check_reason(reason: &str) -> Result<()> {
    if reason.chars().count() > 500 { Err(Error::invalid("reason", "longer than 500 characters")) } else { Ok(()) }
}

/// Is the caregiver committed (accepted or on a visit) to another booking overlapping [start, end)?
fn caregiver_busy(sql: &dyn Sql, caregiver: &str, start: DateTime<Utc>, end: DateTime<Utc>, except: &str) -> Result<bool> {
    sql.exists(
        "SELECT 1 FROM booking WHERE caregiver_id = ?1 AND state IN ('accepted', 'checked_in') AND start_at < ?3 AND end_at > ?2 AND id <> ?4",
        args![caregiver, start, end, except],
    )
}

impl CareCircle {
    /// A senior, a family member allowed to book, or the senior's station asks for a home visit;
    /// it is offered at once to the nearest qualified, free caregivers (it stays requested if none is).
    pub fn request_booking(&self, actor: &Actor, req: &BookingRequest) -> Result<Booking> {
        self.request_booking_with_id(actor, &uuid::Uuid::new_v4().to_string(), req)
    }

    /// As [`CareCircle::request_booking`], with the booking's id chosen by the caller: a phone
    /// chooses it offline, so that its outbox and the platform name the same booking.
    pub fn request_booking_with_id(&self, actor: &Actor, id: &str, req: &BookingRequest) -> Result<Booking> {
        self.write(|tx, em| {
            let b = self.request_booking_in(tx, em, actor, id, req)?;
            em.record(actor, crate::sync::Command::request_booking(id, req));
            Ok(b)
        })
    }

    pub(crate) fn request_booking_in(&self, tx: &dyn Sql, em: &mut Emitter, actor: &Actor, id: &str, req: &BookingRequest) -> Result<Booking> {
        check_reason(&req.note)?;
        crate::sync::check_client_id("booking id", id)?;
        // The platform's clock, not the phone's: a visit requested offline for an hour that has
        // passed by the time the request arrives starts in the past.
        let now = em.received;
        if req.start < now {
            return Err(Error::invalid("start", "a visit cannot start in the past"));
        }
        if req.start > now + Duration::days(366) {
            return Err(Error::invalid("start", "bookings open at most a year ahead"));
        }
        if tx.exists("SELECT 1 FROM booking WHERE id = ?1", args![id])? {
            return Err(Error::Duplicate { what: "booking", id: id.to_string() });
        }
        let senior = senior_in(tx, &req.senior_id)?;
        may_act_for(tx, actor, &senior, |p| p.can_book, "book visits")?;
        let b = self.create_booking_in(tx, em, actor, id, req)?;
        match self.offer_in(tx, em, b, &senior) {
            Ok(_) | Err(Error::NoCaregiverAvailable { .. }) => {}
            Err(e) => return Err(e),
        }
        booking_in(tx, id)
    }

    /// Writes a new booking in state requested (the caller has checked who may ask, and offers it).
    /// Care plans and family doctors' home rounds create their visits through here too.
    pub(crate) fn create_booking_in(&self, tx: &dyn Sql, em: &mut Emitter, actor: &Actor, id: &str, req: &BookingRequest) -> Result<Booking> {
        check_reason(&req.note)?;
        if req.start < em.received || req.start > em.received + Duration::days(366) {
            return Err(Error::invalid("start", "a visit starts in the future, at most a year ahead"));
        }
        {
            let id = id.to_string();
            let terms = terms_in(tx, req.service)?;
            let minutes = req.duration_minutes.unwrap_or(terms.duration_minutes);
            if !(15..=12 * 60).contains(&minutes) {
                return Err(Error::invalid("duration", "must be 15 minutes to 12 hours"));
            }
            let b = Booking {
                id: id.clone(),
                senior_id: req.senior_id.clone(),
                service: req.service,
                start: req.start,
                end: req.start + Duration::minutes(i64::from(minutes)),
                state: BookingState::Requested,
                requested_by: actor.label(),
                caregiver_id: None,
                note: req.note.clone(),
                cancelled_by: None,
                reason: None,
                price_fen_per_hour: terms.price_fen_per_hour,
                government_paid: terms.government_paid,
                created_at: em.at,
                updated_at: em.at,
            };
            tx.execute(
                &format!("INSERT INTO booking ({BOOKING_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"),
                args![
                    b.id,
                    b.senior_id,
                    b.service.code(),
                    b.start,
                    b.end,
                    b.state.code(),
                    b.requested_by,
                    b.caregiver_id,
                    b.note,
                    b.cancelled_by,
                    b.reason,
                    b.price_fen_per_hour,
                    b.government_paid,
                    b.created_at,
                    b.updated_at
                ],
            )?;
            em.emit(tx, EventKind::BookingRequested, &b.id, &b.senior_id, None, format!("service={}", b.service.code()))?;
            Ok(b)
        }
    }

    /// Offers a requested (or all-declined) booking to the nearest qualified free caregivers
    /// who have not yet been asked. Returns the caregivers offered.
    pub fn offer_booking(&self, actor: &Actor, booking_id: &str) -> Result<Vec<Offer>> {
        if !matches!(actor, Actor::System | Actor::District | Actor::Operator(_) | Actor::Township(_)) {
            return Err(Error::Forbidden(format!("{} may not offer visits", actor.label())));
        }
        self.write(|tx, em| {
            let b = booking_in(tx, booking_id)?;
            let senior = senior_in(tx, &b.senior_id)?;
            if let Actor::Operator(_) = actor {
                may_act_for(tx, actor, &senior, |_| false, "offer visits")?;
            }
            self.offer_in(tx, em, b, &senior)
        })
    }

    pub(crate) fn offer_in(&self, tx: &dyn Sql, em: &mut Emitter, b: Booking, senior: &Senior) -> Result<Vec<Offer>> {
        self.offer_matching_in(tx, em, b, senior, self.settings.offers_per_request as usize, &|_| true)
    }

    /// Offers to the `k` nearest qualified, free caregivers not yet asked (nor absent that day)
    /// that `admit` also admits: a care plan's regular caregiver first, a clinic's own doctor.
    pub(crate) fn offer_matching_in(&self, tx: &dyn Sql, em: &mut Emitter, mut b: Booking, senior: &Senior, k: usize, admit: &dyn Fn(&crate::person::Caregiver) -> bool) -> Result<Vec<Offer>> {
        let next = transition(&b, BookingAction::Offer)?;
        let ids = |rows: Vec<Row>| rows.iter().map(|r| r.get::<String>(0)).collect::<Result<HashSet<String>>>();
        let asked = ids(tx.query("SELECT caregiver_id FROM offer WHERE booking_id = ?1", args![b.id])?)?;
        let busy = ids(tx.query(
            "SELECT DISTINCT caregiver_id FROM booking WHERE state IN ('accepted', 'checked_in') AND start_at < ?2 AND end_at > ?1 AND caregiver_id IS NOT NULL",
            args![b.start, b.end],
        )?)?;
        let absent = crate::plan::absent_between(tx, b.start, b.end)?;
        // The qualified, free caregivers near the home, then those whose day the visit fits with
        // the least extra travel first (`route::day::rank_by_insertion`, the one place of the rule).
        let table = self.caregivers();
        let pool = table.nearest_reaching(senior.home, (4 * k).max(12), |c| {
            c.skills.contains(b.service) && c.availability.covers(b.start, b.end) && !busy.contains(&c.id) && !asked.contains(&c.id) && !absent.contains(&c.id) && admit(c)
        });
        let chosen: Vec<Offer> = crate::route::day::rank_by_insertion(self, tx, pool, senior.home, b.start, b.end)?
            .into_iter()
            .take(k)
            .map(|c| Offer { booking_id: b.id.clone(), caregiver_id: c.id.clone(), status: "open".into(), distance_m: c.base.distance_m(senior.home) })
            .collect();
        drop(table);
        if chosen.is_empty() {
            return Err(Error::NoCaregiverAvailable { booking: b.id.clone() });
        }
        for o in &chosen {
            tx.execute("INSERT INTO offer (booking_id, caregiver_id, status, distance_m, at) VALUES (?1, ?2, 'open', ?3, ?4)", args![o.booking_id, o.caregiver_id, o.distance_m, em.at])?;
            em.emit(tx, EventKind::BookingOffered, &b.id, &b.senior_id, Some(&o.caregiver_id), format!("distance_m={:.0}", o.distance_m))?;
        }
        b.state = next;
        b.updated_at = em.at;
        save_state(tx, &b)?;
        Ok(chosen)
    }

    /// A caregiver accepts a visit offered to them. The first accept wins; later ones get
    /// [`Error::AlreadyTaken`]; a caregiver already committed at that time gets [`Error::CaregiverBusy`].
    pub fn accept_booking(&self, actor: &Actor, booking_id: &str) -> Result<Booking> {
        self.write(|tx, em| {
            let b = self.accept_booking_in(tx, em, actor, booking_id)?;
            em.record(actor, crate::sync::Command::AcceptBooking { booking_id: booking_id.to_string() });
            Ok(b)
        })
    }

    pub(crate) fn accept_booking_in(&self, tx: &dyn Sql, em: &mut Emitter, actor: &Actor, booking_id: &str) -> Result<Booking> {
        let Actor::Caregiver(caregiver) = actor else {
            return Err(Error::Forbidden(format!("{} may not accept visits; only the caregivers offered them may", actor.label())));
        };
        {
            let mut b = booking_in(tx, booking_id)?;
            let offer: Option<String> =
                tx.one("SELECT status FROM offer WHERE booking_id = ?1 AND caregiver_id = ?2", args![booking_id, caregiver])?.map(|r| r.get(0)).transpose()?;
            let Some(status) = offer else {
                return Err(Error::Forbidden(format!("booking {booking_id} was not offered to caregiver {caregiver}")));
            };
            if b.state == BookingState::Accepted && status == "open" && b.caregiver_id.as_deref() != Some(caregiver) && crate::route::day::open_handover(tx, &b.id, caregiver)? {
                return self.hand_over_in(tx, em, b, caregiver);
            }
            if b.caregiver_id.is_some() && b.caregiver_id.as_deref() != Some(caregiver) {
                return Err(Error::AlreadyTaken { booking: b.id.clone() });
            }
            if status != "open" {
                return Err(Error::InvalidTransition { booking: b.id.clone(), from: format!("{} (your offer is {status})", b.state.code()), action: "accepted".into() });
            }
            let next = transition(&b, BookingAction::Accept)?;
            if caregiver_busy(tx, caregiver, b.start, b.end, &b.id)? {
                return Err(Error::CaregiverBusy { caregiver: caregiver.clone() });
            }
            tx.execute(
                "UPDATE offer SET status = CASE WHEN caregiver_id = ?2 THEN 'accepted' WHEN status = 'open' THEN 'lost' ELSE status END WHERE booking_id = ?1",
                args![booking_id, caregiver],
            )?;
            b.state = next;
            b.caregiver_id = Some(caregiver.clone());
            b.updated_at = em.at;
            save_state(tx, &b)?;
            em.emit(tx, EventKind::BookingAccepted, &b.id, &b.senior_id, Some(caregiver), "")?;
            Ok(b)
        }
    }

    /// The caregiver a confirmed day plan moved an accepted visit to accepts it; the caregiver who
    /// had accepted it is released (their offer becomes `handed_over`).
    fn hand_over_in(&self, tx: &dyn Sql, em: &mut Emitter, mut b: Booking, caregiver: &str) -> Result<Booking> {
        let next = transition(&b, BookingAction::HandOver)?;
        if caregiver_busy(tx, caregiver, b.start, b.end, &b.id)? {
            return Err(Error::CaregiverBusy { caregiver: caregiver.to_string() });
        }
        let from = b.caregiver_id.clone();
        tx.execute(
            "UPDATE offer SET status = CASE WHEN caregiver_id = ?2 THEN 'accepted' WHEN caregiver_id = ?3 THEN 'handed_over' WHEN status = 'open' THEN 'lost' ELSE status END WHERE booking_id = ?1",
            args![b.id, caregiver, from],
        )?;
        tx.execute("UPDATE handover SET status = CASE WHEN to_caregiver = ?2 THEN 'accepted' ELSE 'lost' END WHERE booking_id = ?1 AND status = 'open'", args![b.id, caregiver])?;
        b.state = next;
        b.caregiver_id = Some(caregiver.to_string());
        b.updated_at = em.at;
        save_state(tx, &b)?;
        em.emit(tx, EventKind::BookingHandedOver, &b.id, &b.senior_id, Some(caregiver), format!("from={}", from.unwrap_or_default()))?;
        Ok(b)
    }

    /// A caregiver turns down an offer; when every caregiver asked has declined, the booking is declined
    /// (and can be offered again to others).
    pub fn decline_booking(&self, actor: &Actor, booking_id: &str, reason: &str) -> Result<Booking> {
        self.write(|tx, em| {
            let b = self.decline_booking_in(tx, em, actor, booking_id, reason)?;
            em.record(actor, crate::sync::Command::DeclineBooking { booking_id: booking_id.to_string(), reason: reason.to_string() });
            Ok(b)
        })
    }

    pub(crate) fn decline_booking_in(&self, tx: &dyn Sql, em: &mut Emitter, actor: &Actor, booking_id: &str, reason: &str) -> Result<Booking> {
        check_reason(reason)?;
        let Actor::Caregiver(caregiver) = actor else {
            return Err(Error::Forbidden(format!("{} may not decline visits", actor.label())));
        };
        {
            let mut b = booking_in(tx, booking_id)?;
            let changed = tx.execute("UPDATE offer SET status = 'declined' WHERE booking_id = ?1 AND caregiver_id = ?2 AND status = 'open'", args![booking_id, caregiver])?;
            if changed == 0 {
                let offered = tx.exists("SELECT 1 FROM offer WHERE booking_id = ?1 AND caregiver_id = ?2", args![booking_id, caregiver])?;
                return Err(if offered {
                    Error::InvalidTransition { booking: b.id.clone(), from: b.state.code().into(), action: "declined".into() }
                } else {
                    Error::Forbidden(format!("booking {booking_id} was not offered to caregiver {caregiver}"))
                });
            }
            if b.state == BookingState::Accepted {
                // A hand-over turned down: the caregiver who accepted keeps the visit.
                tx.execute("UPDATE handover SET status = 'declined' WHERE booking_id = ?1 AND to_caregiver = ?2 AND status = 'open'", args![booking_id, caregiver])?;
                em.emit(tx, EventKind::BookingDeclined, &b.id, &b.senior_id, Some(caregiver), "handover=1")?;
                return Ok(b);
            }
            let open: i64 = tx.scalar("SELECT COUNT(*) FROM offer WHERE booking_id = ?1 AND status = 'open'", args![booking_id])?;
            if open == 0 {
                b.state = transition(&b, BookingAction::Decline)?;
                b.reason = Some(reason.to_string());
                b.updated_at = em.at;
                save_state(tx, &b)?;
            }
            em.emit(tx, EventKind::BookingDeclined, &b.id, &b.senior_id, Some(caregiver), format!("open_offers={open}"))?;
            if open == 0 && crate::plan::is_plan_visit(tx, &b.id)? {
                // A care plan's visit is re-offered at once to the next nearest qualified caregivers.
                let senior = senior_in(tx, &b.senior_id)?;
                match self.offer_in(tx, em, b, &senior) {
                    Ok(_) | Err(Error::NoCaregiverAvailable { .. }) => {}
                    Err(e) => return Err(e),
                }
                return booking_in(tx, booking_id);
            }
            Ok(b)
        }
    }

    /// Cancels a booking not yet started: by the senior, a family member allowed to book, the
    /// senior's station, the district, or the assigned caregiver (who then withdraws).
    pub fn cancel_booking(&self, actor: &Actor, booking_id: &str, reason: &str) -> Result<Booking> {
        self.write(|tx, em| {
            let b = self.cancel_booking_in(tx, em, actor, booking_id, reason)?;
            em.record(actor, crate::sync::Command::CancelBooking { booking_id: booking_id.to_string(), reason: reason.to_string() });
            Ok(b)
        })
    }

    pub(crate) fn cancel_booking_in(&self, tx: &dyn Sql, em: &mut Emitter, actor: &Actor, booking_id: &str, reason: &str) -> Result<Booking> {
        check_reason(reason)?;
        if reason.trim().is_empty() {
            return Err(Error::invalid("reason", "say why the visit is cancelled"));
        }
        {
            let mut b = booking_in(tx, booking_id)?;
            let senior = senior_in(tx, &b.senior_id)?;
            match actor {
                Actor::Caregiver(c) if b.caregiver_id.as_deref() == Some(c.as_str()) => {}
                Actor::Caregiver(c) => return Err(Error::Forbidden(format!("caregiver {c} is not assigned to booking {}", b.id))),
                _ => may_act_for(tx, actor, &senior, |p| p.can_book, "cancel visits")?,
            }
            b.state = transition(&b, BookingAction::Cancel)?;
            b.cancelled_by = Some(actor.label());
            b.reason = Some(reason.to_string());
            b.updated_at = em.at;
            save_state(tx, &b)?;
            tx.execute("UPDATE offer SET status = 'withdrawn' WHERE booking_id = ?1 AND status = 'open'", args![b.id])?;
            em.emit(tx, EventKind::BookingCancelled, &b.id, &b.senior_id, b.caregiver_id.as_deref(), format!("by={}", actor.label()))?;
            Ok(b)
        }
    }

    /// Expires bookings nobody took before their start, and marks accepted visits that were never
    /// checked into, past their end plus the grace period, as no-shows. Returns the bookings changed.
    pub fn sweep(&self) -> Result<Vec<Booking>> {
        let grace = Duration::minutes(i64::from(self.settings.no_show_grace_minutes));
        self.write(|tx, em| {
            let mut changed = Vec::new();
            let stale: Vec<Booking> = tx
                .query(
                    &format!(
                        "SELECT {BOOKING_COLUMNS} FROM booking WHERE (state IN ('requested', 'offered', 'declined') AND start_at <= ?1)
                           OR (state = 'accepted' AND end_at <= ?2) ORDER BY start_at, id"
                    ),
                    args![em.at, em.at - grace],
                )?
                .iter()
                .map(booking_from_row)
                .collect::<Result<_>>()?;
            for mut b in stale {
                let (action, kind) = if b.state == BookingState::Accepted {
                    (BookingAction::MarkNoShow, EventKind::VisitNoShow)
                } else {
                    (BookingAction::Expire, EventKind::BookingExpired)
                };
                b.state = transition(&b, action)?;
                b.updated_at = em.at;
                save_state(tx, &b)?;
                tx.execute("UPDATE offer SET status = 'withdrawn' WHERE booking_id = ?1 AND status = 'open'", args![b.id])?;
                em.emit(tx, kind, &b.id, &b.senior_id, b.caregiver_id.as_deref(), "")?;
                changed.push(b);
            }
            Ok(changed)
        })
    }

    pub fn booking(&self, id: &str) -> Result<Booking> {
        self.store.read(|sql| booking_in(sql, id))
    }

    /// A senior's bookings, newest first, for those allowed to see them.
    pub fn bookings_for_senior(&self, actor: &Actor, senior_id: &str) -> Result<Vec<Booking>> {
        self.store.read(|sql| {
            let senior = senior_in(sql, senior_id)?;
            may_act_for(sql, actor, &senior, |p| p.can_see_visits || p.can_book, "see visits")?;
            sql.query(&format!("SELECT {BOOKING_COLUMNS} FROM booking WHERE senior_id = ?1 ORDER BY start_at DESC, id"), args![senior_id])?.iter().map(booking_from_row).collect()
        })
    }

    /// A caregiver's open offers and assigned visits, soonest first.
    pub fn caregiver_agenda(&self, caregiver_id: &str) -> Result<Vec<(Booking, Offer)>> {
        let columns = BOOKING_COLUMNS.split(", ").map(|c| format!("b.{c}")).collect::<Vec<_>>().join(", ");
        let rows = self.store.read(|sql| {
            sql.query(
                &format!(
                    "SELECT {columns}, o.status, o.distance_m FROM offer o JOIN booking b ON b.id = o.booking_id
                     WHERE o.caregiver_id = ?1 AND o.status IN ('open', 'accepted') AND b.state NOT IN ('cancelled', 'expired')
                     ORDER BY b.start_at, b.id"
                ),
                args![caregiver_id],
            )
        })?;
        rows.iter()
            .map(|r| {
                let b = booking_from_row(r)?;
                let offer = Offer { booking_id: b.id.clone(), caregiver_id: caregiver_id.to_string(), status: r.get(15)?, distance_m: r.get(16)? };
                Ok((b, offer))
            })
            .collect()
    }

    pub fn offers(&self, booking_id: &str) -> Result<Vec<Offer>> {
        let rows = self.store.read(|sql| {
            sql.query("SELECT booking_id, caregiver_id, status, distance_m FROM offer WHERE booking_id = ?1 ORDER BY distance_m, caregiver_id", args![booking_id])
        })?;
        rows.iter().map(|r| Ok(Offer { booking_id: r.get(0)?, caregiver_id: r.get(1)?, status: r.get(2)?, distance_m: r.get(3)? })).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use BookingAction as A;
    use BookingState as S;

    #[test]
    fn only_the_drawn_transitions_are_allowed() {
        let allowed = [
            (S::Requested, A::Offer, S::Offered),
            (S::Offered, A::Offer, S::Offered),
            (S::Declined, A::Offer, S::Offered),
            (S::Offered, A::Accept, S::Accepted),
            (S::Offered, A::Decline, S::Declined),
            (S::Accepted, A::CheckIn, S::CheckedIn),
            (S::CheckedIn, A::CheckOut, S::Completed),
            (S::Requested, A::Cancel, S::Cancelled),
            (S::Offered, A::Cancel, S::Cancelled),
            (S::Declined, A::Cancel, S::Cancelled),
            (S::Accepted, A::Cancel, S::Cancelled),
            (S::Requested, A::Expire, S::Expired),
            (S::Offered, A::Expire, S::Expired),
            (S::Declined, A::Expire, S::Expired),
            (S::Accepted, A::MarkNoShow, S::NoShow),
            (S::Accepted, A::Withdraw, S::Declined),
            (S::Accepted, A::HandOver, S::Accepted),
        ];
        let actions = [A::Offer, A::Accept, A::Decline, A::CheckIn, A::CheckOut, A::Cancel, A::Expire, A::MarkNoShow, A::Withdraw, A::HandOver];
        for from in S::ALL {
            for action in actions {
                let want = allowed.iter().find(|(f, a, _)| *f == from && *a == action).map(|t| t.2);
                assert_eq!(next_state(from, action), want, "{from:?} {action:?}");
            }
        }
        for s in S::ALL {
            if s.is_final() {
                assert!(actions.iter().all(|a| next_state(s, *a).is_none()), "{s:?} is final");
            }
        }
    }
}
