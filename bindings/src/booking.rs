//! Bookings of home visits and their state machine, visit verification (check-in and
//! check-out, flagged when far from home, reviewed), the service catalogue, and
//! government-paid hours: eligibility and monthly statements.

use crate::actor::Actor;
use crate::carecircle::CareCircle;
use crate::error::CareCircleError;
use crate::facility::Service;
use crate::people::CapabilityLevel;
use crate::position::{Crs, wgs84};
use crate::time::{date_string, instant, to_system_time};
use carecircle_core::booking::{Booking as CoreBooking, BookingRequest as CoreRequest, BookingState as CoreState, Offer as CoreOffer};
use carecircle_core::entitlement::{DistrictRules as CoreRules, DistrictSummary as CoreSummary, Eligibility as CoreEligibility, Statement as CoreStatement, StatementLine as CoreLine};
use carecircle_core::service_catalogue::ServiceTerms as CoreTerms;
use carecircle_core::visit::{Review as CoreReview, Visit as CoreVisit};
use std::time::SystemTime;

/// Where a booking is in its life:
/// requested → offered → accepted → checked in → completed; or cancelled, declined (offered
/// again), expired (nobody took it in time), no-show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
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

mirror!(BookingState, CoreState { Requested, Offered, Accepted, CheckedIn, Completed, Cancelled, Declined, Expired, NoShow });

#[uniffi::export]
impl BookingState {
    /// "requested", "checked_in", ... as in events and files.
    pub fn code(&self) -> String {
        CoreState::from(*self).code().to_string()
    }
    /// Completed, cancelled, expired or no-show: nothing more happens to it.
    pub fn is_final(&self) -> bool {
        CoreState::from(*self).is_final()
    }
}

/// A booked home visit.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Booking {
    pub id: String,
    pub senior_id: String,
    pub service: Service,
    pub start: SystemTime,
    pub end: SystemTime,
    pub state: BookingState,
    /// The actor who asked, as "family:F1".
    pub requested_by: String,
    /// The caregiver who accepted it, once accepted.
    pub caregiver_id: Option<String>,
    pub note: String,
    pub cancelled_by: Option<String>,
    /// Why it was cancelled or declined.
    pub reason: Option<String>,
    /// In fen (0.01 yuan) per hour.
    pub price_fen_per_hour: u32,
    /// Whether it draws on the senior's government-paid hours.
    pub government_paid: bool,
    pub created_at: SystemTime,
    pub updated_at: SystemTime,
}

impl From<CoreBooking> for Booking {
    fn from(b: CoreBooking) -> Self {
        Booking {
            id: b.id,
            senior_id: b.senior_id,
            service: b.service.into(),
            start: to_system_time(b.start),
            end: to_system_time(b.end),
            state: b.state.into(),
            requested_by: b.requested_by,
            caregiver_id: b.caregiver_id,
            note: b.note,
            cancelled_by: b.cancelled_by,
            reason: b.reason,
            price_fen_per_hour: b.price_fen_per_hour,
            government_paid: b.government_paid,
            created_at: to_system_time(b.created_at),
            updated_at: to_system_time(b.updated_at),
        }
    }
}

/// What a senior, a family member allowed to book, or the senior's station asks for.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct BookingRequest {
    pub senior_id: String,
    pub service: Service,
    /// When the visit starts (in the future, at most a year ahead).
    pub start: SystemTime,
    /// The catalogue's duration if null/nil (15 minutes to 12 hours).
    #[uniffi(default = None)]
    pub duration_minutes: Option<u32>,
    /// For the caregiver, e.g. "请带拖把" (at most 500 characters).
    #[uniffi(default = "")]
    pub note: String,
}

impl BookingRequest {
    fn to_core(&self) -> carecircle_core::Result<CoreRequest> {
        Ok(CoreRequest {
            senior_id: self.senior_id.clone(),
            service: self.service.into(),
            start: instant(self.start)?,
            duration_minutes: self.duration_minutes,
            note: self.note.clone(),
        })
    }
}

/// An offer of a booking to one caregiver.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Offer {
    pub booking_id: String,
    pub caregiver_id: String,
    /// "open", "accepted", "declined", "lost" (someone else accepted) or "withdrawn".
    pub status: String,
    /// From the caregiver's base to the senior's home.
    pub distance_m: f64,
}

impl From<CoreOffer> for Offer {
    fn from(o: CoreOffer) -> Self {
        Offer { booking_id: o.booking_id, caregiver_id: o.caregiver_id, status: o.status, distance_m: o.distance_m }
    }
}

/// One line of a caregiver's agenda: a visit offered to or accepted by them.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AgendaItem {
    pub booking: Booking,
    pub offer: Offer,
}

/// A booking with its offers and its visit record, as one actor may see it (a caregiver
/// sees only their own offer).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct BookingDetail {
    pub booking: Booking,
    pub offers: Vec<Offer>,
    pub visit: Option<Visit>,
}

/// A reviewer's decision on a flagged visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Review {
    Approved,
    Rejected,
}

mirror!(Review, CoreReview { Approved, Rejected });

/// The verification record of one visit (EVV): who, what, where and when. Positions are WGS-84.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Visit {
    pub booking_id: String,
    pub service: Service,
    pub senior_id: String,
    pub caregiver_id: String,
    pub check_in_at: SystemTime,
    /// `None` where withheld: a family member without the senior's consent to location.
    pub check_in_lat: Option<f64>,
    pub check_in_lon: Option<f64>,
    /// From the senior's home, metres.
    pub check_in_distance_m: f64,
    pub check_out_at: Option<SystemTime>,
    pub check_out_lat: Option<f64>,
    pub check_out_lon: Option<f64>,
    pub check_out_distance_m: Option<f64>,
    /// Checked in or out farther from home than the settings allow: waits for a review before
    /// it draws on government-paid hours.
    pub flagged: bool,
    pub review: Option<Review>,
    pub reviewed_by: Option<String>,
    /// Minutes between check-in and check-out, once checked out.
    pub minutes: Option<i64>,
}

impl From<CoreVisit> for Visit {
    fn from(v: CoreVisit) -> Self {
        let minutes = v.minutes();
        Visit {
            booking_id: v.booking_id,
            service: v.service.into(),
            senior_id: v.senior_id,
            caregiver_id: v.caregiver_id,
            check_in_at: to_system_time(v.check_in_at),
            check_in_lat: v.check_in.map(|p| p.lat),
            check_in_lon: v.check_in.map(|p| p.lon),
            check_in_distance_m: v.check_in_distance_m,
            check_out_at: v.check_out_at.map(to_system_time),
            check_out_lat: v.check_out.map(|p| p.lat),
            check_out_lon: v.check_out.map(|p| p.lon),
            check_out_distance_m: v.check_out_distance_m,
            flagged: v.flagged,
            review: v.review.map(Into::into),
            reviewed_by: v.reviewed_by,
            minutes,
        }
    }
}

/// A bookable home-visit service: usual duration, price, and whether the government pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct ServiceTerms {
    pub service: Service,
    pub duration_minutes: u32,
    /// In fen per hour.
    pub price_fen_per_hour: u32,
    pub government_paid: bool,
}

impl From<CoreTerms> for ServiceTerms {
    fn from(t: CoreTerms) -> Self {
        ServiceTerms { service: t.service.into(), duration_minutes: t.duration_minutes, price_fen_per_hour: t.price_fen_per_hour, government_paid: t.government_paid }
    }
}

impl From<ServiceTerms> for CoreTerms {
    fn from(t: ServiceTerms) -> Self {
        CoreTerms { service: t.service.into(), duration_minutes: t.duration_minutes, price_fen_per_hour: t.price_fen_per_hour, government_paid: t.government_paid }
    }
}

/// A district's rules for government-paid home-visit hours.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DistrictRules {
    /// The district's division code, e.g. "330211"; "" for the default of all districts.
    pub district: String,
    /// Qualifies by age alone (default 80).
    pub min_age: u32,
    /// Living alone qualifies from this age (null/nil: not by itself).
    pub lives_alone_min_age: Option<u32>,
    /// Qualifies by an assessment at this level or worse (null/nil: not by itself).
    pub min_level: Option<CapabilityLevel>,
    /// Hours a month for those who qualify.
    pub monthly_hours: f64,
    /// Hours a month for seniors assessed severe or total loss of capability.
    pub severe_monthly_hours: f64,
}

impl From<CoreRules> for DistrictRules {
    fn from(r: CoreRules) -> Self {
        DistrictRules {
            district: r.district,
            min_age: r.min_age,
            lives_alone_min_age: r.lives_alone_min_age,
            min_level: r.min_level.map(Into::into),
            monthly_hours: r.monthly_hours,
            severe_monthly_hours: r.severe_monthly_hours,
        }
    }
}

impl From<DistrictRules> for CoreRules {
    fn from(r: DistrictRules) -> Self {
        CoreRules {
            district: r.district,
            min_age: r.min_age,
            lives_alone_min_age: r.lives_alone_min_age,
            min_level: r.min_level.map(Into::into),
            monthly_hours: r.monthly_hours,
            severe_monthly_hours: r.severe_monthly_hours,
        }
    }
}

/// The default rules: 80 or older, or living alone from 60, or assessed moderate or worse;
/// 20 hours a month, 30 for severe or total loss of capability.
#[uniffi::export]
pub fn default_district_rules() -> DistrictRules {
    CoreRules::default().into()
}

/// Whether a senior qualifies for government-paid hours, and why.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Eligibility {
    pub senior_id: String,
    pub eligible: bool,
    /// Why, in codes: "age>=80", "lives_alone", "level=moderate".
    pub reasons: Vec<String>,
    pub monthly_hours: f64,
    pub age: u32,
    pub level: Option<CapabilityLevel>,
}

impl From<CoreEligibility> for Eligibility {
    fn from(e: CoreEligibility) -> Self {
        Eligibility { senior_id: e.senior_id, eligible: e.eligible, reasons: e.reasons, monthly_hours: e.monthly_hours, age: e.age, level: e.level.map(Into::into) }
    }
}

/// One visit on a monthly statement.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct StatementLine {
    pub booking_id: String,
    pub service: Service,
    /// The visit's date in Shanghai, "2026-11-24".
    pub date: String,
    pub caregiver_id: String,
    pub hours: f64,
    pub government_hours: f64,
    pub self_paid_hours: f64,
    pub self_paid_fen: u64,
    /// "drawn", "partly_self_paid", "self_paid", "pending_review" or "rejected".
    pub status: String,
}

impl From<CoreLine> for StatementLine {
    fn from(l: CoreLine) -> Self {
        StatementLine {
            booking_id: l.booking_id,
            service: l.service.into(),
            date: date_string(l.date),
            caregiver_id: l.caregiver_id,
            hours: l.hours,
            government_hours: l.government_hours,
            self_paid_hours: l.self_paid_hours,
            self_paid_fen: l.self_paid_fen,
            status: l.status,
        }
    }
}

/// A senior's month: the quota of government-paid hours, what the visits drew, what is self-paid.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Statement {
    pub senior_id: String,
    /// "2026-11".
    pub month: String,
    pub eligibility: Eligibility,
    /// The rules' hours (if eligible) plus `subsidyHours`.
    pub quota_hours: f64,
    /// Hours added by an approved service subsidy valid in the month.
    pub subsidy_hours: f64,
    pub government_hours: f64,
    pub remaining_hours: f64,
    pub self_paid_hours: f64,
    pub self_paid_fen: u64,
    /// Flagged visits waiting for a review.
    pub pending_review: u32,
    pub lines: Vec<StatementLine>,
}

impl From<CoreStatement> for Statement {
    fn from(s: CoreStatement) -> Self {
        Statement {
            senior_id: s.senior_id,
            month: s.month,
            eligibility: s.eligibility.into(),
            quota_hours: s.quota_hours,
            subsidy_hours: s.subsidy_hours,
            government_hours: s.government_hours,
            remaining_hours: s.remaining_hours,
            self_paid_hours: s.self_paid_hours,
            self_paid_fen: s.self_paid_fen,
            pending_review: s.pending_review,
            lines: s.lines.into_iter().map(Into::into).collect(),
        }
    }
}

/// The district's month of government-paid hours.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DistrictSummary {
    pub month: String,
    pub seniors: u32,
    pub eligible: u32,
    /// Eligible seniors who had at least one government-paid hour.
    pub served: u32,
    pub quota_hours: f64,
    pub government_hours: f64,
    pub self_paid_hours: f64,
    pub visits: u32,
    pub pending_review: u32,
}

impl From<CoreSummary> for DistrictSummary {
    fn from(s: CoreSummary) -> Self {
        DistrictSummary {
            month: s.month,
            seniors: s.seniors,
            eligible: s.eligible,
            served: s.served,
            quota_hours: s.quota_hours,
            government_hours: s.government_hours,
            self_paid_hours: s.self_paid_hours,
            visits: s.visits,
            pending_review: s.pending_review,
        }
    }
}

#[uniffi::export]
impl CareCircle {
    /// A senior, a family member allowed to book, or the senior's station asks for a home
    /// visit; it is offered at once to the nearest qualified, free caregivers (it stays
    /// `REQUESTED` if none is). Listeners hear `booking_requested`, then `booking_offered` per
    /// caregiver.
    pub fn request_booking(&self, actor: Actor, request: BookingRequest) -> Result<Booking, CareCircleError> {
        Ok(self.inner.request_booking(&actor.core(), &request.to_core()?)?.into())
    }

    /// As `requestBooking`, with the booking's id chosen by the app (a UUID made offline, so
    /// that the phone and the platform name the same booking).
    pub fn request_booking_with_id(&self, actor: Actor, id: String, request: BookingRequest) -> Result<Booking, CareCircleError> {
        Ok(self.inner.request_booking_with_id(&actor.core(), &id, &request.to_core()?)?.into())
    }

    /// Offers a requested (or all-declined) booking to the nearest qualified free caregivers
    /// not yet asked (a station operator, the district, or the system). Returns the offers made.
    pub fn offer_booking(&self, actor: Actor, booking_id: String) -> Result<Vec<Offer>, CareCircleError> {
        Ok(self.inner.offer_booking(&actor.core(), &booking_id)?.into_iter().map(Into::into).collect())
    }

    /// A caregiver accepts a visit offered to them. The first accept wins; a later one fails
    /// with `AlreadyTaken`; a caregiver committed elsewhere then gets `CaregiverBusy`.
    pub fn accept_booking(&self, actor: Actor, booking_id: String) -> Result<Booking, CareCircleError> {
        Ok(self.inner.accept_booking(&actor.core(), &booking_id)?.into())
    }

    /// A caregiver turns an offer down; when every caregiver asked has declined, the booking
    /// is `DECLINED` (and may be offered again).
    pub fn decline_booking(&self, actor: Actor, booking_id: String, reason: String) -> Result<Booking, CareCircleError> {
        Ok(self.inner.decline_booking(&actor.core(), &booking_id, &reason)?.into())
    }

    /// Cancels a booking not yet started, saying why: the senior's side, the senior's station,
    /// the district, or the assigned caregiver.
    pub fn cancel_booking(&self, actor: Actor, booking_id: String, reason: String) -> Result<Booking, CareCircleError> {
        Ok(self.inner.cancel_booking(&actor.core(), &booking_id, &reason)?.into())
    }

    /// Expires bookings nobody took before their start and marks accepted visits never checked
    /// into as no-shows. Run it on a timer; returns the bookings changed.
    pub fn sweep(&self) -> Result<Vec<Booking>, CareCircleError> {
        Ok(self.inner.sweep()?.into_iter().map(Into::into).collect())
    }

    /// A booking as stored on this device.
    pub fn booking(&self, id: String) -> Result<Booking, CareCircleError> {
        Ok(self.inner.booking(&id)?.into())
    }

    /// A booking with its offers and visit, if `actor` may see it (else `NotFound`).
    pub fn booking_for(&self, actor: Actor, id: String) -> Result<BookingDetail, CareCircleError> {
        let (booking, offers, visit) = self.inner.booking_for(&actor.core(), &id)?;
        Ok(BookingDetail { booking: booking.into(), offers: offers.into_iter().map(Into::into).collect(), visit: visit.map(Into::into) })
    }

    /// A senior's bookings, newest first, for those allowed to see them.
    pub fn bookings_for_senior(&self, actor: Actor, senior_id: String) -> Result<Vec<Booking>, CareCircleError> {
        Ok(self.inner.bookings_for_senior(&actor.core(), &senior_id)?.into_iter().map(Into::into).collect())
    }

    /// A caregiver's open offers and accepted visits, soonest first: for the caregiver, their
    /// station's operator, or the district.
    pub fn agenda(&self, actor: Actor, caregiver_id: String) -> Result<Vec<AgendaItem>, CareCircleError> {
        Ok(self.inner.agenda_for(&actor.core(), &caregiver_id)?.into_iter().map(|(b, o)| AgendaItem { booking: b.into(), offer: o.into() }).collect())
    }

    /// The offers of a booking, nearest caregiver first.
    pub fn offers(&self, booking_id: String) -> Result<Vec<Offer>, CareCircleError> {
        Ok(self.inner.offers(&booking_id)?.into_iter().map(Into::into).collect())
    }

    /// The assigned caregiver checks in at the phone's position (`lat`, `lon` in `crs`), from
    /// `checkinEarlyMinutes` before the start until the booked end. Farther from home than
    /// `checkinFlagM` is accepted but flagged (`visit_flagged`).
    pub fn check_in(&self, actor: Actor, booking_id: String, lat: f64, lon: f64, crs: Crs) -> Result<Visit, CareCircleError> {
        Ok(self.inner.check_in(&actor.core(), &booking_id, wgs84(lat, lon, crs)?)?.into())
    }

    /// The assigned caregiver checks out; the visit is completed.
    pub fn check_out(&self, actor: Actor, booking_id: String, lat: f64, lon: f64, crs: Crs) -> Result<Visit, CareCircleError> {
        Ok(self.inner.check_out(&actor.core(), &booking_id, wgs84(lat, lon, crs)?)?.into())
    }

    /// The senior's station or the district approves or rejects a completed, flagged visit.
    pub fn review_visit(&self, actor: Actor, booking_id: String, review: Review) -> Result<Visit, CareCircleError> {
        Ok(self.inner.review_visit(&actor.core(), &booking_id, review.into())?.into())
    }

    /// The visit record of a booking, once checked in.
    pub fn visit(&self, booking_id: String) -> Result<Option<Visit>, CareCircleError> {
        Ok(self.inner.visit(&booking_id)?.map(Into::into))
    }

    /// The bookable services with their durations and prices.
    pub fn service_terms(&self) -> Result<Vec<ServiceTerms>, CareCircleError> {
        Ok(self.inner.service_terms()?.into_iter().map(Into::into).collect())
    }

    /// Adds or changes the terms of a service (a district operator's task).
    pub fn set_service_terms(&self, terms: ServiceTerms) -> Result<(), CareCircleError> {
        Ok(self.inner.set_service_terms(&terms.into())?)
    }

    /// The rules that apply to a division code (the longest district prefix, else the default).
    pub fn district_rules(&self, division: String) -> Result<DistrictRules, CareCircleError> {
        Ok(self.inner.district_rules(&division)?.into())
    }

    /// Sets the rules of a district (or, with `district` "", the default for all).
    pub fn set_district_rules(&self, rules: DistrictRules) -> Result<(), CareCircleError> {
        Ok(self.inner.set_district_rules(&rules.into())?)
    }

    /// Whether a senior qualifies for government-paid hours today (Shanghai).
    pub fn eligibility(&self, senior_id: String) -> Result<Eligibility, CareCircleError> {
        Ok(self.inner.eligibility(&senior_id)?.into())
    }

    /// A senior's statement for a month (e.g. 2026, 11), for those allowed to see the visits.
    pub fn monthly_statement(&self, actor: Actor, senior_id: String, year: i32, month: u32) -> Result<Statement, CareCircleError> {
        Ok(self.inner.monthly_statement(&actor.core(), &senior_id, year, month)?.into())
    }

    /// The district's month (the district's administrators only).
    pub fn district_summary(&self, actor: Actor, year: i32, month: u32) -> Result<DistrictSummary, CareCircleError> {
        Ok(self.inner.district_summary_for(&actor.core(), year, month)?.into())
    }
}
