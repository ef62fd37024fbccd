//! The time bank: the rules, and a property test that random sequences keep the ledger sound.

mod common;

use carecircle_core::clock::parse_date;
use carecircle_core::timebank::{HARDSHIP_POOL, TimeBankRules};
use carecircle_core::{Actor, Error, Service};
use common::*;
use proptest::prelude::*;

fn accounts(w: &World) {
    w.cc.open_timebank_account("V1", "志愿者甲", Some(parse_date("1960-05-01").unwrap())).unwrap(); // 66
    w.cc.open_timebank_account("F1", "女儿", Some(parse_date("1975-01-01").unwrap())).unwrap(); // 51, S1's daughter
    w.cc.open_timebank_account("S1", "王秀英", Some(parse_date("1940-03-01").unwrap())).unwrap();
}

#[test]
fn volunteers_earn_keep_give_and_spend_hours() {
    let w = world();
    accounts(&w);
    let op = Actor::Operator("ZH-CS-001".into());
    let e = w.cc.record_volunteer_service(&op, "F1", "S1", Service::Companionship, 120).unwrap();
    assert_eq!((e.credited_minutes, e.balance_minutes), (120, 120));
    // The daughter is 51: she may not spend, but she may give to her mother, who may.
    let err = w.cc.spend_hours(&Actor::Family("F1".into()), "F1", "booking:x", 60).unwrap_err();
    assert_eq!(err.to_string(), "not allowed: hours can be spent from age 60");
    w.cc.transfer_hours(&Actor::Family("F1".into()), "F1", "S1", 90).unwrap();
    let s1 = w.cc.spend_hours(&Actor::Senior("S1".into()), "S1", "booking:cleaning-2026-11-24", 60).unwrap();
    assert_eq!(s1.balance_minutes, 30);
    // Not to strangers, not more than held, not by someone else, and never without a service.
    assert!(matches!(w.cc.transfer_hours(&Actor::Family("F1".into()), "F1", "V1", 10), Err(Error::Forbidden(_))));
    assert!(matches!(w.cc.spend_hours(&Actor::Senior("S1".into()), "S1", "booking:y", 31), Err(Error::InvalidInput { .. })));
    assert!(matches!(w.cc.donate_hours(&Actor::Family("F1".into()), "S1", 10), Err(Error::Forbidden(_))));
    assert!(matches!(w.cc.spend_hours(&Actor::Senior("S1".into()), "S1", " ", 10), Err(Error::InvalidInput { .. })));
    // Donations go to the pool; the district grants them to a senior in hardship.
    w.cc.donate_hours(&Actor::Family("F1".into()), "F1", 30).unwrap();
    assert_eq!(w.cc.hours_balance(HARDSHIP_POOL).unwrap(), 30);
    assert!(matches!(w.cc.grant_hours(&op, "S2", 30), Err(Error::Forbidden(_))));
    assert_eq!(w.cc.grant_hours(&Actor::District, "S2", 30).unwrap().balance_minutes, 30);
    assert!(w.cc.audit_ledger().unwrap().is_empty());
    // Every entry names where it came from.
    let ledger = w.cc.ledger("S1").unwrap();
    assert_eq!(ledger.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["transfer", "spend"]);
    assert_eq!(ledger[1].reference, "booking:cleaning-2026-11-24");
}

#[test]
fn the_balance_cap_forfeits_what_is_above_it() {
    let w = world();
    accounts(&w);
    w.cc.set_timebank_rules(&TimeBankRules { balance_cap_minutes: 180, earn_ratio: 1.0, ..Default::default() }).unwrap();
    let op = Actor::Operator("ZH-CS-001".into());
    w.cc.record_volunteer_service(&op, "V1", "S1", Service::Cleaning, 120).unwrap();
    let e = w.cc.record_volunteer_service(&op, "V1", "S1", Service::Cleaning, 120).unwrap();
    assert_eq!((e.credited_minutes, e.forfeited_minutes, e.balance_minutes), (60, 60, 180));
    assert!(matches!(w.cc.record_volunteer_service(&Actor::Family("F1".into()), "V1", "S1", Service::Cleaning, 60), Err(Error::Forbidden(_))));
    assert!(matches!(w.cc.record_volunteer_service(&op, "V1", "S1", Service::Cleaning, 0), Err(Error::InvalidInput { .. })));
    assert!(w.cc.set_timebank_rules(&TimeBankRules { earn_ratio: f64::NAN, ..Default::default() }).is_err());
}

#[derive(Debug, Clone)]
enum Op {
    Earn(usize, i64),
    Transfer(usize, usize, i64),
    Spend(usize, i64),
    Donate(usize, i64),
    Grant(i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..3usize, 1..600i64).prop_map(|(a, m)| Op::Earn(a, m)),
        (0..3usize, 0..3usize, 1..600i64).prop_map(|(a, b, m)| Op::Transfer(a, b, m)),
        (0..3usize, 1..600i64).prop_map(|(a, m)| Op::Spend(a, m)),
        (0..3usize, 1..600i64).prop_map(|(a, m)| Op::Donate(a, m)),
        (1..600i64).prop_map(Op::Grant),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn any_sequence_keeps_the_ledger_balanced_and_no_balance_negative(ops in proptest::collection::vec(op(), 1..60)) {
        let w = world();
        accounts(&w);
        w.cc.set_timebank_rules(&TimeBankRules { balance_cap_minutes: 1000, ..Default::default() }).unwrap();
        let ids = ["V1", "F1", "S1"];
        let who = |i: usize| match ids[i] { "S1" => Actor::Senior("S1".into()), id => Actor::Family(id.into()) };
        let op_actor = Actor::Operator("ZH-CS-001".into());
        let mut model = [0i64; 3];
        let mut pool = 0i64;
        for o in ops {
            // Each operation either succeeds as the model predicts or fails leaving balances unchanged.
            match o {
                Op::Earn(a, m) => {
                    let e = w.cc.record_volunteer_service(&op_actor, ids[a], "S1", Service::Cleaning, m).unwrap();
                    let credited = m.min(1000 - model[a]);
                    prop_assert_eq!(e.credited_minutes, credited);
                    model[a] += credited;
                }
                Op::Transfer(a, b, m) => {
                    let linked = (ids[a] == "F1" && ids[b] == "S1") || (ids[a] == "S1" && ids[b] == "F1");
                    let ok = linked && model[a] >= m && model[b] + m <= 1000;
                    prop_assert_eq!(w.cc.transfer_hours(&who(a), ids[a], ids[b], m).is_ok(), ok);
                    if ok { model[a] -= m; model[b] += m; }
                }
                Op::Spend(a, m) => {
                    let ok = ids[a] != "F1" && model[a] >= m; // F1 is too young
                    prop_assert_eq!(w.cc.spend_hours(&who(a), ids[a], "service", m).is_ok(), ok);
                    if ok { model[a] -= m; }
                }
                Op::Donate(a, m) => {
                    let ok = model[a] >= m;
                    prop_assert_eq!(w.cc.donate_hours(&who(a), ids[a], m).is_ok(), ok);
                    if ok { model[a] -= m; pool += m; }
                }
                Op::Grant(m) => {
                    let ok = pool >= m && model[2] + m <= 1000;
                    prop_assert_eq!(w.cc.grant_hours(&Actor::District, "S1", m).is_ok(), ok);
                    if ok { pool -= m; model[2] += m; }
                }
            }
            for (i, id) in ids.iter().enumerate() {
                prop_assert_eq!(w.cc.timebank_account(id).unwrap().balance_minutes, model[i]);
            }
            prop_assert_eq!(w.cc.hours_balance(HARDSHIP_POOL).unwrap(), pool);
            prop_assert!(w.cc.audit_ledger().unwrap().is_empty());
        }
    }
}
