//! Booking and visit commands: book, offer, accept, decline, check in and out, cancel, review,
//! sweep, agenda, statements.

use crate::facilities::Place;
use crate::output::{Output, table};
use carecircle_core::booking::{Booking, BookingRequest};
use carecircle_core::clock::{parse_instant, to_shanghai};
use carecircle_core::entitlement::{Statement, parse_month};
use carecircle_core::visit::Review;
use carecircle_core::{Actor, CareCircle, Error, Result, Service};
use clap::Args;

/// Who is acting: senior:ID, family:ID, caregiver:ID, operator:STATION, district or system.
#[derive(Args)]
pub struct As {
    #[arg(long = "as", value_parser = parse_actor)]
    pub actor: Actor,
}

fn parse_actor(s: &str) -> std::result::Result<Actor, String> {
    Actor::parse(s).map_err(|e| e.to_string())
}

#[derive(Args)]
pub struct BookArgs {
    #[command(flatten)]
    who: As,
    #[arg(long)]
    senior: String,
    #[arg(long)]
    service: Service,
    /// Start, Shanghai wall clock (2026-11-24T09:00) or RFC 3339.
    #[arg(long)]
    start: String,
    #[arg(long)]
    minutes: Option<u32>,
    #[arg(long, default_value = "")]
    note: String,
}

#[derive(Args)]
pub struct OnBooking {
    #[command(flatten)]
    who: As,
    booking: String,
}

#[derive(Args)]
pub struct WithReason {
    #[command(flatten)]
    who: As,
    booking: String,
    #[arg(long, default_value = "")]
    reason: String,
}

#[derive(Args)]
pub struct AtPlace {
    #[command(flatten)]
    who: As,
    booking: String,
    #[command(flatten)]
    place: Place,
}

#[derive(Args)]
pub struct ReviewArgs {
    #[command(flatten)]
    who: As,
    booking: String,
    /// approve or reject
    decision: String,
}

#[derive(Args)]
pub struct StatementArgs {
    #[command(flatten)]
    who: As,
    #[arg(long)]
    senior: String,
    /// YYYY-MM
    #[arg(long)]
    month: String,
}

pub fn book(cc: &CareCircle, out: &Output, a: BookArgs) -> Result<()> {
    let req = BookingRequest { senior_id: a.senior, service: a.service, start: parse_instant(&a.start)?, duration_minutes: a.minutes, note: a.note };
    let b = cc.request_booking(&a.who.actor, &req)?;
    let offers = cc.offers(&b.id)?;
    out.either(&serde_json::json!({ "booking": b, "offers": offers }), || {
        print_bookings(std::slice::from_ref(&b));
        for o in &offers {
            println!("  offered to {} ({:.0} m away)", o.caregiver_id, o.distance_m);
        }
    })
}

pub fn offer(cc: &CareCircle, out: &Output, a: OnBooking) -> Result<()> {
    let offers = cc.offer_booking(&a.who.actor, &a.booking)?;
    out.either(&offers, || offers.iter().for_each(|o| println!("offered to {} ({:.0} m away)", o.caregiver_id, o.distance_m)))
}

pub fn accept(cc: &CareCircle, out: &Output, a: OnBooking) -> Result<()> {
    booking_out(out, cc.accept_booking(&a.who.actor, &a.booking)?)
}

pub fn decline(cc: &CareCircle, out: &Output, a: WithReason) -> Result<()> {
    booking_out(out, cc.decline_booking(&a.who.actor, &a.booking, &a.reason)?)
}

pub fn cancel(cc: &CareCircle, out: &Output, a: WithReason) -> Result<()> {
    booking_out(out, cc.cancel_booking(&a.who.actor, &a.booking, &a.reason)?)
}

pub fn check(cc: &CareCircle, out: &Output, a: AtPlace, check_in: bool) -> Result<()> {
    let at = a.place.position()?;
    let v = if check_in { cc.check_in(&a.who.actor, &a.booking, at)? } else { cc.check_out(&a.who.actor, &a.booking, at)? };
    out.either(&v, || {
        let (when, distance) = if check_in { (v.check_in_at, v.check_in_distance_m) } else { (v.check_out_at.unwrap_or(v.check_in_at), v.check_out_distance_m.unwrap_or(0.0)) };
        println!(
            "{} {} at {} (Shanghai), {:.0} m from home{}",
            if check_in { "checked in to" } else { "checked out of" },
            v.booking_id,
            to_shanghai(when).format("%Y-%m-%d %H:%M"),
            distance,
            if v.flagged { " - FLAGGED for review" } else { "" }
        )
    })
}

pub fn review(cc: &CareCircle, out: &Output, a: ReviewArgs) -> Result<()> {
    let decision = match a.decision.as_str() {
        "approve" => Review::Approved,
        "reject" => Review::Rejected,
        _ => return Err(Error::invalid("decision", "approve or reject")),
    };
    let v = cc.review_visit(&a.who.actor, &a.booking, decision)?;
    out.either(&v, || println!("visit {} reviewed", v.booking_id))
}

pub fn sweep(cc: &CareCircle, out: &Output) -> Result<()> {
    let changed = cc.sweep()?;
    out.either(&changed, || print_bookings(&changed))
}

pub fn show(cc: &CareCircle, out: &Output, id: &str) -> Result<()> {
    out.value(&serde_json::json!({ "booking": cc.booking(id)?, "offers": cc.offers(id)?, "visit": cc.visit(id)? }))
}

pub fn list(cc: &CareCircle, out: &Output, who: As, senior: &str) -> Result<()> {
    let list = cc.bookings_for_senior(&who.actor, senior)?;
    out.either(&list, || print_bookings(&list))
}

pub fn agenda(cc: &CareCircle, out: &Output, caregiver: &str) -> Result<()> {
    let agenda = cc.caregiver_agenda(caregiver)?;
    let json: Vec<_> = agenda.iter().map(|(b, o)| serde_json::json!({ "booking": b, "offer": o })).collect();
    out.either(&json, || {
        let rows: Vec<Vec<String>> = agenda
            .iter()
            .map(|(b, o)| vec![b.id.clone(), b.senior_id.clone(), b.service.code().into(), to_shanghai(b.start).format("%m-%d %H:%M").to_string(), o.status.clone(), format!("{:.0}", o.distance_m)])
            .collect();
        table(&["booking", "senior", "service", "start", "offer", "metres"], &rows);
    })
}

pub fn statement(cc: &CareCircle, out: &Output, a: StatementArgs) -> Result<()> {
    let (y, m) = parse_month(&a.month)?;
    let st = cc.monthly_statement(&a.who.actor, &a.senior, y, m)?;
    out.either(&st, || print_statement(&st))
}

pub fn summary(cc: &CareCircle, out: &Output, month: &str) -> Result<()> {
    let (y, m) = parse_month(month)?;
    let s = cc.district_summary(y, m)?;
    out.either(&s, || {
        table(
            &["month", "seniors", "eligible", "served", "quota h", "government h", "self-paid h", "visits", "pending review"],
            &[vec![
                s.month.clone(),
                s.seniors.to_string(),
                s.eligible.to_string(),
                s.served.to_string(),
                format!("{:.1}", s.quota_hours),
                format!("{:.1}", s.government_hours),
                format!("{:.1}", s.self_paid_hours),
                s.visits.to_string(),
                s.pending_review.to_string(),
            ]],
        )
    })
}

fn print_statement(st: &Statement) {
    let e = &st.eligibility;
    println!(
        "Statement {} for senior {}: {}",
        st.month,
        st.senior_id,
        if e.eligible { format!("eligible ({}), {} h a month", e.reasons.join(", "), e.monthly_hours) } else { "not eligible for government-paid hours".into() }
    );
    let rows: Vec<Vec<String>> = st
        .lines
        .iter()
        .map(|l| vec![l.date.to_string(), l.service.code().into(), l.caregiver_id.clone(), format!("{:.2}", l.hours), format!("{:.2}", l.government_hours), format!("{:.2}", l.self_paid_hours), format!("{:.2}", l.self_paid_fen as f64 / 100.0), l.status.clone()])
        .collect();
    table(&["date", "service", "caregiver", "hours", "government", "self-paid", "yuan", "status"], &rows);
    println!(
        "government-paid {:.2} of {:.2} h ({:.2} h left); self-paid {:.2} h, {:.2} yuan; {} awaiting review",
        st.government_hours,
        st.quota_hours,
        st.remaining_hours,
        st.self_paid_hours,
        st.self_paid_fen as f64 / 100.0,
        st.pending_review
    );
}

fn booking_out(out: &Output, b: Booking) -> Result<()> {
    out.either(&b, || print_bookings(std::slice::from_ref(&b)))
}

fn print_bookings(list: &[Booking]) {
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|b| vec![b.id.clone(), b.senior_id.clone(), b.service.code().into(), to_shanghai(b.start).format("%Y-%m-%d %H:%M").to_string(), b.state.code().into(), b.caregiver_id.clone().unwrap_or_default()])
        .collect();
    table(&["booking", "senior", "service", "start (Shanghai)", "state", "caregiver"], &rows);
}
