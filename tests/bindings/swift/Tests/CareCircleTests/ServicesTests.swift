// The services a Swift (iOS) app offers on top of the map: bookings and visits, events, meals,
// the time bank, care plans, subsidies and sync with the real district platform. The stories
// of tests/bindings/kotlin/ServicesTest.kt, in Swift.
import CareCircle
import Foundation
import XCTest

/// The workspace root: $CARECIRCLE_ROOT, else six levels above this file.
private let root: URL = {
    if let dir = ProcessInfo.processInfo.environment["CARECIRCLE_ROOT"] { return URL(fileURLWithPath: dir) }
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<6 { url.deleteLastPathComponent() }
    return url
}()

/// The senior's home, WGS-84; near the canteen ZH-CT-01.
private let home = (lat: 29.9609, lon: 121.7180)
private let shanghaiZone = TimeZone(secondsFromGMT: 8 * 3600)!

/// A Shanghai wall-clock time ("2026-11-24T09:00") as an instant.
private func shanghai(_ local: String) -> Date {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = shanghaiZone
    f.dateFormat = "yyyy-MM-dd'T'HH:mm"
    return f.date(from: local)!
}

/// Latitude `metres` north of the home.
private func northOfHome(_ metres: Double) -> Double { home.lat + metres / 111_195.0 }

private let daughter = Actor.family(id: "F1")
private func carer(_ id: String) -> Actor { .caregiver(id: id) }

/// Runs `body`, which must throw; returns the error (or fails the test and returns nil).
private func thrown<T>(_ body: () throws -> T, file: StaticString = #filePath, line: UInt = #line) -> Error? {
    do {
        _ = try body()
        XCTFail("no error was thrown", file: file, line: line)
        return nil
    } catch {
        return error
    }
}

/// A small world on a clock the test moves: Monday 2026-11-23 08:00 in Shanghai, the Zhenhai
/// facilities, senior S1 (born 1940, lives alone) and S2 (born 1955) at home, served by the
/// nearest community station; S1's daughter F1 may book, see visits and receive alerts;
/// caregivers C1, C2, C3 clean and bathe 500, 900 and 1500 m away.
private final class World {
    let clock = ManualClock(now: shanghai("2026-11-23T08:00"))
    let cc: CareCircle
    let station: String
    let operatorActor: Actor

    init() async throws {
        cc = try CareCircle.openInMemoryWithClock(settings: defaultSettings(), clock: clock)
        _ = try await cc.importFile(path: root.appendingPathComponent("data/zhenhai-facilities.geojson").path, crs: nil)
        station = try cc.nearest(lat: home.lat, lon: home.lon, crs: .wgs84, query: NearbyQuery(kinds: [.communityStation], k: 1))[0].id
        operatorActor = .operator(stationId: station)
        func senior(_ id: String, _ born: String, _ alone: Bool) -> Senior {
            Senior(id: id, name: "王秀英", birthDate: born, gender: .female, lat: home.lat, lon: home.lon,
                   livesAlone: alone, stationId: station, division: "330211001001")
        }
        try cc.putSeniors(seniors: [senior("S1", "1940-03-01", true), senior("S2", "1955-06-01", false)], crs: .wgs84)
        try cc.putFamilyMember(actor: daughter, member: FamilyMember(id: "F1", name: "胡丽"))
        let link = FamilyLink(
            seniorId: "S1", familyId: "F1", relation: "女儿",
            permissions: FamilyPermissions(canBook: true, canSeeVisits: true, receivesAlerts: true, seesHealth: true, seesLocation: true, seesMoney: true))
        // Consent on both sides: the senior proposes, the daughter accepts.
        try cc.linkFamily(actor: .senior(id: "S1"), link: link)
        try cc.linkFamily(actor: daughter, link: link)
        let caregivers = [(500.0, "C1"), (900.0, "C2"), (1500.0, "C3")].map { metres, id in
            Caregiver(id: id, name: "护理员\(id)", organisation: "镇海区九和社工服务中心", stationId: station,
                      skills: [.cleaning, .bathing], lat: northOfHome(metres), lon: home.lon,
                      radiusM: 3000, availability: "mon-sat 07:00-19:00")
        }
        try cc.putCaregivers(caregivers: caregivers, crs: .wgs84)
    }

    /// The daughter books a cleaning visit for S1 on Tuesday at 09:00 (Shanghai).
    func bookCleaning() throws -> Booking {
        try cc.requestBooking(actor: daughter, request: BookingRequest(seniorId: "S1", service: .cleaning, start: shanghai("2026-11-24T09:00")))
    }

    /// Lunch at the canteen ZH-CT-01 today, 12 yuan, with `capacity` meals and `seats` seats.
    func lunchToday(capacity: UInt32, seats: UInt32) throws -> String {
        try cc.setCanteen(canteen: defaultCanteenSettings(facilityId: "ZH-CT-01", deliveryRadiusM: 1000))
        try cc.setMenu(menu: MealMenu(facilityId: "ZH-CT-01", date: cc.today(), meal: .lunch, dishes: "红烧鱼块, 炒青菜, 米饭",
                                      priceFen: 1200, capacity: capacity, seats: seats))
        return cc.today()
    }
}

/// Collects events as they are delivered (on CareCircle's event thread).
private final class Heard: EventListener, @unchecked Sendable {
    private let lock = NSLock()
    private var events: [Event] = []
    func onEvent(event: Event) { lock.withLock { events.append(event) } }
    var all: [Event] { lock.withLock { events } }

    /// Events until one of `last` kind arrives (at most 5 s).
    func until(_ last: String) async throws -> [Event] {
        for _ in 0..<500 {
            let seen = all
            if let i = seen.firstIndex(where: { $0.kind == last }) { return Array(seen[...i]) }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        XCTFail("no \(last) event; heard \(all.map(\.kind))")
        return all
    }
}

final class ServicesTests: XCTestCase {
    func testAFamilyMemberBooksAHomeVisitForAParent() async throws {
        let w = try await World()
        let b = try w.bookCleaning()
        XCTAssertEqual(b.state, .offered)
        XCTAssertEqual(b.requestedBy, "family:F1")
        XCTAssertEqual(b.end.timeIntervalSince(b.start), 120 * 60, "the catalogue's duration for cleaning")
        XCTAssertTrue(b.governmentPaid)
        let offers = try w.cc.offers(bookingId: b.id)
        XCTAssertEqual(offers.map(\.caregiverId), ["C1", "C2", "C3"], "the nearest qualified caregivers, nearest first")
        XCTAssertEqual(offers[0].distanceM, 500, accuracy: 1)
        XCTAssertEqual(try w.cc.bookingsForSenior(actor: daughter, seniorId: "S1").map(\.id), [b.id])
        // Others may not book for her.
        let e = thrown {
            try w.cc.requestBooking(actor: .family(id: "F9"), request: BookingRequest(seniorId: "S1", service: .cleaning, start: shanghai("2026-11-24T09:00")))
        }
        guard case let CareCircleError.Forbidden(message)? = e else { return XCTFail("\(String(describing: e))") }
        XCTAssertTrue(message.hasPrefix("not allowed"), message)
    }

    func testACaregiverAcceptsAndASecondAcceptIsAlreadyTaken() async throws {
        let w = try await World()
        let b = try w.bookCleaning()
        let accepted = try w.cc.acceptBooking(actor: carer("C2"), bookingId: b.id)
        XCTAssertEqual(accepted.state, .accepted)
        XCTAssertEqual(accepted.caregiverId, "C2")
        do {
            _ = try w.cc.acceptBooking(actor: carer("C1"), bookingId: b.id)
            XCTFail("a second accept was taken")
        } catch CareCircleError.AlreadyTaken(let message) {
            XCTAssertEqual(message, "already taken: booking \(b.id) was accepted by another caregiver")
        }
        XCTAssertEqual(try w.cc.agenda(actor: carer("C2"), caregiverId: "C2").map(\.booking.id), [b.id])
        XCTAssertEqual(try w.cc.cancelBooking(actor: daughter, bookingId: b.id, reason: "改期").state, .cancelled)
        guard case let CareCircleError.InvalidTransition(message)? = thrown({ try w.cc.acceptBooking(actor: carer("C2"), bookingId: b.id) }) else {
            return XCTFail("accepting a cancelled booking")
        }
        XCTAssertTrue(message.contains("cannot be accepted"), message)
    }

    func testCheckInFarFromHomeIsFlaggedAndReviewed() async throws {
        let w = try await World()
        let b = try w.bookCleaning()
        _ = try w.cc.acceptBooking(actor: carer("C1"), bookingId: b.id)
        // A day early: outside the check-in window.
        guard case let CareCircleError.InvalidInput(early)? = thrown({
            try w.cc.checkIn(actor: carer("C1"), bookingId: b.id, lat: home.lat, lon: home.lon, crs: .wgs84)
        }) else { return XCTFail("an early check-in") }
        XCTAssertTrue(early.contains("check-in is open from 60 minutes before"), early)
        let earlyError = thrown({ try w.cc.checkIn(actor: carer("C1"), bookingId: b.id, lat: home.lat, lon: home.lon, crs: .wgs84) })
        XCTAssertEqual(earlyError?.localizedDescription, early, "what an app shows is the plain message")
        let missing = thrown({ try w.cc.booking(id: "NO-SUCH") })
        guard case let CareCircleError.NotFound(notFound)? = missing else { return XCTFail("an unknown booking") }
        XCTAssertEqual(missing?.localizedDescription, notFound)
        XCTAssertFalse(notFound.contains("CareCircleError"), notFound)
        w.clock.set(now: shanghai("2026-11-24T08:55"))
        guard case let CareCircleError.InvalidCoordinate(bad)? = thrown({
            try w.cc.checkIn(actor: carer("C1"), bookingId: b.id, lat: 95, lon: home.lon, crs: .wgs84)
        }) else { return XCTFail("a bad coordinate") }
        XCTAssertEqual(bad, "invalid coordinate: latitude 95 is outside -90..90")
        // 1 km north of the home: accepted, flagged, with the distance.
        let visit = try w.cc.checkIn(actor: carer("C1"), bookingId: b.id, lat: northOfHome(1000), lon: home.lon, crs: .wgs84)
        XCTAssertTrue(visit.flagged)
        XCTAssertEqual(visit.checkInDistanceM, 1000, accuracy: 2)
        XCTAssertEqual(try w.cc.booking(id: b.id).state, .checkedIn)
        w.clock.advance(by: 125 * 60)
        let out = try w.cc.checkOut(actor: carer("C1"), bookingId: b.id, lat: home.lat, lon: home.lon, crs: .wgs84)
        XCTAssertEqual(out.minutes, 125)
        let pending = try w.cc.monthlyStatement(actor: daughter, seniorId: "S1", year: 2026, month: 11)
        XCTAssertEqual(pending.pendingReview, 1)
        XCTAssertEqual(pending.governmentHours, 0)
        guard case CareCircleError.Forbidden? = thrown({ try w.cc.reviewVisit(actor: daughter, bookingId: b.id, review: .approved) }) else {
            return XCTFail("the daughter reviewed a visit")
        }
        XCTAssertEqual(try w.cc.reviewVisit(actor: w.operatorActor, bookingId: b.id, review: .approved).review, .approved)
        let statement = try w.cc.monthlyStatement(actor: daughter, seniorId: "S1", year: 2026, month: 11)
        XCTAssertEqual(statement.governmentHours, 2, accuracy: 1e-9, "verified 125 minutes, booked 120: 2 hours drawn")
        XCTAssertEqual(statement.lines.map(\.status), ["drawn"])
    }

    func testAListenerReceivesTheEventsInOrder() async throws {
        let w = try await World()
        let heard = Heard()
        let subscription = w.cc.subscribe(listener: heard)
        let b = try w.bookCleaning()
        _ = try w.cc.acceptBooking(actor: carer("C1"), bookingId: b.id)
        w.clock.set(now: shanghai("2026-11-24T08:55"))
        _ = try w.cc.checkIn(actor: carer("C1"), bookingId: b.id, lat: northOfHome(1000), lon: home.lon, crs: .wgs84)
        let events = try await heard.until("visit_flagged")
        let kinds = events.map(\.kind).reduce(into: [String]()) { acc, k in if acc.last != k { acc.append(k) } }
        XCTAssertEqual(kinds, ["booking_requested", "booking_offered", "booking_accepted", "visit_checked_in", "visit_flagged"])
        XCTAssertEqual(events.filter { $0.kind == "booking_offered" }.map(\.partyId), ["C1", "C2", "C3"])
        XCTAssertTrue(events.allSatisfy { $0.subjectId == b.id && $0.seniorId == "S1" })
        XCTAssertEqual(events.map(\.seq), events.map(\.seq).sorted())
        // The log also holds the family link's proposal and acceptance, from before the subscription.
        XCTAssertEqual(try w.cc.eventsSince(afterSeq: events[0].seq - 1, limit: 100).map(\.seq), events.map(\.seq), "the log holds what was delivered")
        subscription.cancel()
        let count = heard.all.count
        _ = try w.cc.cancelBooking(actor: .senior(id: "S1"), bookingId: try w.bookCleaning().id, reason: "不需要了")
        try await Task.sleep(nanoseconds: 300_000_000)
        XCTAssertEqual(heard.all.count, count, "nothing after cancel")
    }

    /// What an app shows for each kind of error is exactly the core's plain sentence: the case
    /// is the error code (the same as the HTTP API's), the description no debug dump.
    func testEveryKindOfErrorShowsItsPlainMessage() async throws {
        let w = try await World()
        let b = try w.bookCleaning()
        _ = try w.cc.acceptBooking(actor: carer("C2"), bookingId: b.id)
        let today = try w.lunchToday(capacity: 1, seats: 1)
        _ = try w.cc.orderMeal(actor: daughter, seniorId: "S1", facilityId: "ZH-CT-01", date: today, meal: .lunch, mode: .dineIn)
        let cases: [(String, Error?)] = [
            ("invalid coordinate: latitude 95 is outside -90..90",
             thrown({ try w.cc.nearest(lat: 95, lon: 121.7, crs: .wgs84, query: NearbyQuery(kinds: [], k: 1)) })),
            ("booking not found: NO-SUCH", thrown({ try w.cc.booking(id: "NO-SUCH") })),
            ("already taken: booking \(b.id) was accepted by another caregiver", thrown({ try w.cc.acceptBooking(actor: carer("C1"), bookingId: b.id) })),
            ("not allowed: hours can be spent from age 60", thrown({
                _ = try w.cc.openTimebankAccount(id: "F1", name: "胡丽", birthDate: "1990-05-17")
                return try w.cc.spendHours(actor: daughter, account: "F1", reference: "booking B2", minutes: 10)
            })),
        ]
        for (expected, error) in cases {
            guard let error else { return XCTFail("no error for \(expected)") }
            XCTAssertEqual(error.localizedDescription, expected)
            XCTAssertEqual((error as? CareCircleError)?.errorDescription, expected)
        }
        // The rest are known by their case; their description is still the plain sentence.
        let more: [Error?] = [
            thrown({ try w.cc.orderMeal(actor: w.operatorActor, seniorId: "S2", facilityId: "ZH-CT-01", date: today, meal: .lunch, mode: .pickUp) }),
            thrown({ try w.cc.nearest(lat: 29.9, lon: 121.7, crs: .wgs84, query: NearbyQuery(kinds: [], k: 0)) }),
            thrown({ try w.cc.orderMeal(actor: daughter, seniorId: "S1", facilityId: "ZH-CT-01", date: today, meal: .lunch, mode: .dineIn) }),
        ]
        for error in more {
            guard let error = error as? CareCircleError else { return XCTFail("not a CareCircleError") }
            let text = error.localizedDescription
            XCTAssertFalse(text.contains("CareCircleError") || text.contains("message:") || text.isEmpty, text)
            switch error {
            case .Full(let m), .InvalidInput(let m), .Duplicate(let m): XCTAssertEqual(text, m)
            default: XCTFail("unexpected case \(error)")
            }
        }
    }

    func testEventsAreAnAsyncSequenceThatEndsWithItsTask() async throws {
        let w = try await World()
        let cc = w.cc
        // The subscription starts when events() returns, before the booking is made.
        let stream = cc.events()
        let b = try w.bookCleaning()
        var got: [Event] = []
        for await e in stream {
            got.append(e)
            if got.count == 3 { break }
        }
        XCTAssertEqual(got.map(\.kind), ["booking_requested", "booking_offered", "booking_offered"])
        XCTAssertTrue(got.allSatisfy { $0.subjectId == b.id })
        // A task iterating the events hears until it is cancelled, and then its loop ends.
        let listening = Task { () -> [String] in
            var kinds: [String] = []
            for await e in cc.events() { kinds.append(e.kind) }
            return kinds
        }
        try await Task.sleep(nanoseconds: 50_000_000)
        _ = try cc.acceptBooking(actor: carer("C1"), bookingId: b.id)
        try await Task.sleep(nanoseconds: 300_000_000)
        listening.cancel()
        let kinds = await listening.value
        XCTAssertTrue(kinds.contains("booking_accepted"), "\(kinds)")
    }

    func testAMealOrderThenFullAndTooLate() async throws {
        let w = try await World()
        let today = try w.lunchToday(capacity: 1, seats: 1)
        let menus = try w.cc.menus(facilityId: "ZH-CT-01", date: today)
        XCTAssertEqual(menus.map(\.cutoff), [shanghai("\(today)T09:00")])
        let order = try w.cc.orderMeal(actor: daughter, seniorId: "S1", facilityId: "ZH-CT-01", date: today, meal: .lunch, mode: .dineIn)
        // S1 is 86 and qualifies for government-paid care: the 5-yuan subsidy.
        XCTAssertEqual([order.priceFen, order.subsidyFen, order.dueFen], [1200, 500, 700])
        do {
            _ = try w.cc.orderMeal(actor: w.operatorActor, seniorId: "S2", facilityId: "ZH-CT-01", date: today, meal: .lunch, mode: .pickUp)
            XCTFail("an order over the capacity")
        } catch CareCircleError.Full(let message) {
            XCTAssertTrue(message.hasPrefix("full: all 1 meals"), message)
        }
        w.clock.set(now: shanghai("\(today)T09:30"))
        do {
            _ = try w.cc.cancelMeal(actor: daughter, orderId: order.id)
            XCTFail("a cancellation after the cut-off")
        } catch CareCircleError.TooLate(let message) {
            XCTAssertTrue(message.contains("09:00 (Shanghai)"), message)
        }
        guard case CareCircleError.TooLate? = thrown({
            try w.cc.orderMeal(actor: .senior(id: "S2"), seniorId: "S2", facilityId: "ZH-CT-01", date: today, meal: .lunch, mode: .pickUp)
        }) else { return XCTFail("an order after the cut-off") }
        XCTAssertEqual(try w.cc.mealOrdersForSenior(actor: daughter, seniorId: "S1").map(\.id), [order.id])
    }

    func testTheTimeBankEarnsAndAudits() async throws {
        let w = try await World()
        _ = try w.cc.openTimebankAccount(id: "F1", name: "胡丽", birthDate: "1990-05-17")
        _ = try w.cc.openTimebankAccount(id: "S1", name: "王秀英", birthDate: "1940-03-01")
        let earned = try w.cc.recordVolunteerService(actor: w.operatorActor, volunteerId: "F1", seniorId: "S2", service: .companionship, minutes: 120)
        XCTAssertEqual(earned.creditedMinutes, 120)
        XCTAssertEqual(earned.balanceMinutes, 120)
        guard case CareCircleError.Forbidden? = thrown({
            try w.cc.recordVolunteerService(actor: daughter, volunteerId: "F1", seniorId: "S2", service: .companionship, minutes: 60)
        }) else { return XCTFail("a volunteer verified her own service") }
        // The daughter gives an hour to her mother, who spends half of it; the daughter is too young to spend.
        XCTAssertEqual(try w.cc.transferHours(actor: daughter, from: "F1", to: "S1", minutes: 60).balanceMinutes, 60)
        XCTAssertEqual(try w.cc.spendHours(actor: .senior(id: "S1"), account: "S1", reference: "booking B1", minutes: 30).balanceMinutes, 30)
        guard case let CareCircleError.Forbidden(young)? = thrown({
            try w.cc.spendHours(actor: daughter, account: "F1", reference: "booking B2", minutes: 10)
        }) else { return XCTFail("spent below the redemption age") }
        XCTAssertEqual(young, "not allowed: hours can be spent from age 60")
        guard case CareCircleError.InvalidInput? = thrown({ try w.cc.donateHours(actor: daughter, from: "F1", minutes: 999) }) else {
            return XCTFail("donated more than the balance")
        }
        _ = try w.cc.donateHours(actor: daughter, from: "F1", minutes: 30)
        XCTAssertEqual(try w.cc.grantHours(actor: .district, seniorId: "S1", minutes: 30).balanceMinutes, 60)
        XCTAssertEqual(try w.cc.hoursBalance(account: "bank:issued"), -120)
        XCTAssertEqual(try w.cc.ledger(account: "S1").map(\.minutes), [60, -30, 30])
        XCTAssertEqual(try w.cc.auditLedger(), [], "every transaction balances")
    }

    func testAFamilyMemberSetsUpAWeeklyPlanAndSeesTheGeneratedVisits() async throws {
        let w = try await World()
        var request = PlanRequest(seniorId: "S1", kind: .regular, items: try parsePlanItems(text: "cleaning mon,thu 09:00 120; bathing sat 10:00"),
                                  regularCaregiverId: "C2", overQuota: .selfPaid, startsOn: "2026-11-23")
        let plan = try w.cc.createPlan(actor: daughter, request: request)
        XCTAssertEqual(plan.createdBy, "family:F1")
        XCTAssertEqual(plan.items.count, 3)
        let generated = try w.cc.generatePlanVisits(actor: daughter, planId: plan.id, through: "2026-11-29")
        XCTAssertEqual(generated.occurrences.map(\.date), ["2026-11-23", "2026-11-26", "2026-11-28"])
        for o in generated.occurrences {
            XCTAssertEqual(o.outcome, .booked)
            XCTAssertEqual(o.bookingState, .offered)
            XCTAssertEqual(o.caregiverId, "C2", "offered to the regular caregiver first, although C1 is nearer")
        }
        let saturday = try XCTUnwrap(generated.occurrences[2].bookingId)
        XCTAssertEqual(try w.cc.booking(id: saturday).start, shanghai("2026-11-28T10:00"))
        // The family sees the visits among the senior's bookings and in the plan.
        XCTAssertEqual(try w.cc.bookingsForSenior(actor: daughter, seniorId: "S1").count, 3)
        XCTAssertEqual(try w.cc.planOccurrences(actor: daughter, planId: plan.id).count, 3)
        XCTAssertEqual(try w.cc.plansForSenior(actor: daughter, seniorId: "S1").map(\.generatedThrough), ["2026-11-29"])
        request.startsOn = "2026-11-01"
        guard case let CareCircleError.InvalidInput(past)? = thrown({ try w.cc.createPlan(actor: daughter, request: request) }) else {
            return XCTFail("a plan starting in the past")
        }
        XCTAssertEqual(past, "invalid starts on: a plan cannot start in the past")
    }

    func testASeniorAppliesForAMealSubsidyAndSeesItApproved() async throws {
        let w = try await World()
        let me = Actor.senior(id: "S1")
        _ = try w.cc.recordAssessment(actor: .district, seniorId: "S1", assessor: "评估员张", date: "2026-11-20", scores: assessmentItems().map(\.max), conditions: Conditions())
        let applied = try w.cc.applyForSubsidy(actor: me, seniorId: "S1", kind: .meal, note: "每天午餐")
        XCTAssertEqual(applied.state, .submitted)
        guard case let CareCircleError.InvalidTransition(early)? = thrown({ try w.cc.approveSubsidy(actor: .district, id: applied.id) }) else {
            return XCTFail("approved before the station recommended it")
        }
        XCTAssertEqual(early, "subsidy application \(applied.id) is submitted: it cannot be approved")
        guard case CareCircleError.Forbidden? = thrown({ try w.cc.recommendSubsidy(actor: daughter, id: applied.id) }) else {
            return XCTFail("the daughter recommended it")
        }
        XCTAssertEqual(try w.cc.recommendSubsidy(actor: w.operatorActor, id: applied.id).state, .recommended)
        _ = try w.cc.approveSubsidy(actor: .district, id: applied.id)
        let seen = try w.cc.subsidy(actor: me, id: applied.id)
        XCTAssertEqual(seen.state, .approved)
        let grant = try XCTUnwrap(seen.grant)
        XCTAssertEqual(grant.mealFen, 300)
        XCTAssertEqual(grant.validFrom, "2026-11-23")
        XCTAssertEqual(try w.cc.subsidyHistory(actor: me, id: applied.id).map(\.actor), ["senior:S1", "operator:\(w.station)", "district"])
        // It shows in the price of her lunch: 5 yuan by age and care, 3 more by the subsidy.
        let today = try w.lunchToday(capacity: 10, seats: 10)
        let order = try w.cc.orderMeal(actor: me, seniorId: "S1", facilityId: "ZH-CT-01", date: today, meal: .lunch, mode: .dineIn)
        XCTAssertEqual([order.subsidyFen, order.dueFen], [800, 400])
    }

    func testAsyncSyncAgainstTheRealServer() async throws {
        let url = try XCTUnwrap(ProcessInfo.processInfo.environment["CARECIRCLE_SERVER_URL"],
                                "CARECIRCLE_SERVER_URL: scripts/swift-test.sh starts carecircle-server --demo")
        let phone = try CareCircle.openInMemory(settings: defaultSettings())
        let family = Actor.family(id: "ZH-F-000001")
        var options = defaultSyncOptions()
        options.attempts = 3
        do {
            _ = try await phone.syncWith(serverUrl: url, login: "family", password: "wrong", options: options)
            XCTFail("a wrong password was accepted")
        } catch CareCircleError.Forbidden(let message) {
            XCTAssertEqual(message, "not allowed: the platform did not accept the login")
        }
        let first = try await phone.syncWith(serverUrl: url, login: "family", password: "demo", options: options)
        XCTAssertGreaterThan(first.rows, 100, "facilities and the family's senior: \(first)")
        XCTAssertEqual(try phone.syncBinding()?.login, "family")
        let senior = try phone.senior(id: "ZH-S-000001")
        XCTAssertTrue(try phone.familyLinks(seniorId: senior.id).contains { $0.familyId == "ZH-F-000001" && $0.permissions.canBook })
        // Booked on the phone (offline-first): it waits in the outbox until the next sync.
        let day: TimeInterval = 86_400
        let shanghaiMidnight = ((Date().timeIntervalSince1970 + 8 * 3600) / day).rounded(.down) * day - 8 * 3600
        let start = Date(timeIntervalSince1970: shanghaiMidnight + 2 * day + 10 * 3600)
        let b = try phone.requestBooking(actor: family, request: BookingRequest(seniorId: senior.id, service: .cleaning, start: start))
        XCTAssertEqual(try phone.outbox().map(\.op), ["request_booking"])
        let second = try await phone.sync(serverUrl: url + "/", login: "family", password: "demo")
        XCTAssertEqual(second.applied, 1)
        XCTAssertEqual(second.refused, [])
        XCTAssertEqual(try phone.outbox(), [])
        let onPlatform = try phone.booking(id: b.id)
        XCTAssertEqual(onPlatform.requestedBy, "family:ZH-F-000001")
        XCTAssertTrue([.offered, .requested].contains(onPlatform.state), "\(onPlatform.state)")
        XCTAssertTrue(try phone.syncedEvents(afterSeq: 0, limit: 1000).contains { $0.kind == "booking_requested" && $0.subjectId == b.id })
    }

    func testAMealOrderAndAnSosMadeOfflineTravelToTheRealServer() async throws {
        let url = try XCTUnwrap(ProcessInfo.processInfo.environment["CARECIRCLE_SERVER_URL"],
                                "CARECIRCLE_SERVER_URL: scripts/swift-test.sh starts carecircle-server --demo")
        let phone = try CareCircle.openInMemory(settings: defaultSettings())
        let family = Actor.family(id: "ZH-F-000001")
        _ = try await phone.sync(serverUrl: url, login: "family", password: "demo")
        // The first sync brought the canteen's menus: the phone can order with no network.
        var shanghai = Calendar(identifier: .gregorian)
        shanghai.timeZone = TimeZone(secondsFromGMT: 8 * 3600)!
        let parts = shanghai.dateComponents([.year, .month, .day], from: Date().addingTimeInterval(86_400))
        let tomorrow = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
        let before = try XCTUnwrap(try phone.menus(facilityId: "ZH-CT-01", date: tomorrow).first { $0.menu.meal == .dinner })
        let order = try phone.orderMeal(actor: family, seniorId: "ZH-S-000001", facilityId: "ZH-CT-01", date: tomorrow, meal: .dinner, mode: .pickUp)
        XCTAssertEqual(try phone.menus(facilityId: "ZH-CT-01", date: tomorrow).first { $0.menu.meal == .dinner }?.ordered, before.ordered + 1)
        let home = try phone.senior(id: "ZH-S-000001")
        let sos = try phone.raiseAlert(actor: family, seniorId: home.id, lat: home.lat, lon: home.lon, crs: .wgs84)
        XCTAssertEqual(try phone.outbox().map(\.op), ["order_meal", "raise_alert"])
        let report = try await phone.sync(serverUrl: url, login: "family", password: "demo")
        XCTAssertEqual(report.applied, 2, "\(report)")
        XCTAssertEqual(try phone.outbox(), [])
        // What the phone now holds is the platform's: the alert it recorded, the order it took.
        let onPlatform = try phone.alert(id: sos.id)
        XCTAssertEqual(onPlatform.state, "raised")
        XCTAssertEqual(onPlatform.raisedBy, "family:ZH-F-000001")
        XCTAssertNotNil(onPlatform.stationId)
        XCTAssertEqual(try phone.mealOrdersForSenior(actor: family, seniorId: home.id).first { $0.id == order.id }?.state, "ordered")
        let events = try phone.syncedEvents(afterSeq: 0, limit: 5000)
        XCTAssertTrue(events.contains { $0.kind == "alert_raised" && $0.subjectId == sos.id }, "the platform's event came back")
        XCTAssertTrue(events.contains { $0.kind == "meal_ordered" && $0.subjectId == order.id })
        // A second dinner the same day: the phone applies the platform's rule itself, in plain words.
        do {
            _ = try phone.orderMeal(actor: family, seniorId: home.id, facilityId: "ZH-CT-01", date: tomorrow, meal: .dinner, mode: .pickUp)
            XCTFail("a second dinner was taken")
        } catch let e as CareCircleError {
            XCTAssertTrue(e.localizedDescription.contains("already exists"), e.localizedDescription)
        }
    }

    func testAnSosFromTheSeniorsPhoneReachesTheListeningFamilyPhoneWithinASecond() async throws {
        let url = try XCTUnwrap(ProcessInfo.processInfo.environment["CARECIRCLE_SERVER_URL"],
                                "CARECIRCLE_SERVER_URL: scripts/swift-test.sh starts carecircle-server --demo")
        let familyPhone = try CareCircle.openInMemory(settings: defaultSettings())
        let seniorPhone = try CareCircle.openInMemory(settings: defaultSettings())
        _ = try await seniorPhone.sync(serverUrl: url, login: "senior", password: "demo")
        let heard = Heard()
        let subscription = familyPhone.subscribe(listener: heard)
        // The family's app in the foreground: listening until the task is cancelled.
        let listening = Task { try await familyPhone.listen(serverUrl: url, login: "family", password: "demo") }
        let started = Date()
        while try familyPhone.syncBinding()?.syncedAt == nil {
            guard Date().timeIntervalSince(started) < 30 else {
                listening.cancel()
                return XCTFail("the first sync did not finish")
            }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        try await Task.sleep(nanoseconds: 300_000_000)
        let before = heard.all.count
        // Offline, the senior presses SOS; her phone reconnects and syncs.
        let home = try seniorPhone.senior(id: "ZH-S-000001")
        let sos = try seniorPhone.raiseAlert(actor: .senior(id: home.id), seniorId: home.id, lat: home.lat, lon: home.lon, crs: .wgs84)
        let reconnected = Date()
        let report = try await seniorPhone.sync(serverUrl: url, login: "senior", password: "demo")
        XCTAssertEqual(report.applied, 1)
        var told: TimeInterval? = nil
        for _ in 0..<1000 {
            if heard.all.dropFirst(before).contains(where: { $0.kind == "alert_notified" && $0.subjectId == sos.id }) {
                told = Date().timeIntervalSince(reconnected)
                break
            }
            try await Task.sleep(nanoseconds: 5_000_000)
        }
        let seconds = try XCTUnwrap(told, "the family phone was not told of the SOS")
        print("the SOS reached the listening family phone \(Int(seconds * 1000)) ms after the senior's phone reconnected")
        XCTAssertLessThan(seconds, 1.0)
        XCTAssertEqual(try familyPhone.alert(id: sos.id).state, "raised")
        // Cancelling the task is the app leaving the foreground; the test does not wait on it.
        listening.cancel()
        subscription.cancel()
    }
}
