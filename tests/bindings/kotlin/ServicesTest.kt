// The services a Kotlin (Android) app offers on top of the map: bookings and visits, events,
// meals, the time bank, care plans, subsidies and sync with the real district platform.
// The same stories as tests/bindings/swift/Tests/CareCircleTests/ServicesTests.swift.
// Run with scripts/kotlin-test.sh.
package org.carecircle.tests

import java.io.File
import java.time.Instant
import java.time.LocalDate
import java.time.LocalDateTime
import java.time.ZoneOffset
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.launch
import kotlinx.coroutines.delay
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.withTimeout
import org.carecircle.events
import org.carecircle.Actor
import org.carecircle.CareCircleException
import org.carecircle.BookingRequest
import org.carecircle.BookingState
import org.carecircle.CareCircle
import org.carecircle.Caregiver
import org.carecircle.Conditions
import org.carecircle.Crs
import org.carecircle.Event
import org.carecircle.EventListener
import org.carecircle.FacilityKind
import org.carecircle.FamilyLink
import org.carecircle.FamilyMember
import org.carecircle.FamilyPermissions
import org.carecircle.Gender
import org.carecircle.ManualClock
import org.carecircle.Meal
import org.carecircle.MealMenu
import org.carecircle.MealMode
import org.carecircle.NearbyQuery
import org.carecircle.Outcome
import org.carecircle.OverQuota
import org.carecircle.PlanKind
import org.carecircle.PlanRequest
import org.carecircle.Review
import org.carecircle.Senior
import org.carecircle.Service
import org.carecircle.SubsidyKind
import org.carecircle.SubsidyState
import org.carecircle.assessmentItems
import org.carecircle.defaultCanteenSettings
import org.carecircle.defaultSettings
import org.carecircle.defaultSyncOptions
import org.carecircle.parsePlanItems

private val root = File(System.getenv("CARECIRCLE_ROOT") ?: ".")

/** The senior's home, WGS-84; near the canteen ZH-CT-01. */
private const val HOME_LAT = 29.9609
private const val HOME_LON = 121.7180

/** A Shanghai wall-clock time ("2026-11-24T09:00") as an instant. */
private fun shanghai(local: String): Instant = LocalDateTime.parse(local).toInstant(ZoneOffset.ofHours(8))

/** Latitude `metres` north of the home. */
private fun northOfHome(metres: Double) = HOME_LAT + metres / 111_195.0

private val daughter = Actor.Family("F1")
private fun carer(id: String) = Actor.Caregiver(id)

/**
 * A small world on a clock the test moves: Monday 2026-11-23 08:00 in Shanghai, the Zhenhai
 * facilities, senior S1 (born 1940, lives alone) and S2 (born 1955) at home, served by the
 * nearest community station; S1's daughter F1 may book, see visits and receive alerts;
 * caregivers C1, C2, C3 clean and bathe 500, 900 and 1500 m away.
 */
private class World : AutoCloseable {
    val clock = ManualClock(shanghai("2026-11-23T08:00"))
    val cc = CareCircle.openInMemoryWithClock(defaultSettings(), clock)
    val station: String
    val operator: Actor

    init {
        runBlocking { cc.importFile(File(root, "data/zhenhai-facilities.geojson").path, null) }
        station = cc.nearest(HOME_LAT, HOME_LON, Crs.WGS84, NearbyQuery(kinds = listOf(FacilityKind.COMMUNITY_STATION), k = 1u))[0].id
        operator = Actor.Operator(station)
        fun senior(id: String, born: String, alone: Boolean) = Senior(
            id = id, name = "王秀英", birthDate = born, gender = Gender.FEMALE, lat = HOME_LAT, lon = HOME_LON,
            livesAlone = alone, stationId = station, division = "330211001001",
        )
        cc.putSeniors(listOf(senior("S1", "1940-03-01", true), senior("S2", "1955-06-01", false)), Crs.WGS84)
        cc.putFamilyMember(daughter, FamilyMember(id = "F1", name = "胡丽"))
        val link = FamilyLink("S1", "F1", "女儿", FamilyPermissions(canBook = true, canSeeVisits = true, receivesAlerts = true, seesHealth = true, seesLocation = true, seesMoney = true))
        // Consent on both sides: the senior proposes, the daughter accepts.
        cc.linkFamily(Actor.Senior("S1"), link)
        cc.linkFamily(daughter, link)
        cc.putCaregivers(
            listOf(500.0 to "C1", 900.0 to "C2", 1500.0 to "C3").map { (metres, id) ->
                Caregiver(
                    id = id, name = "护理员$id", organisation = "镇海区九和社工服务中心", stationId = station,
                    skills = listOf(Service.CLEANING, Service.BATHING), lat = northOfHome(metres), lon = HOME_LON,
                    radiusM = 3000.0, availability = "mon-sat 07:00-19:00",
                )
            },
            Crs.WGS84,
        )
    }

    /** The daughter books a cleaning visit for S1 on Tuesday at 09:00 (Shanghai). */
    fun bookCleaning() = cc.requestBooking(daughter, BookingRequest(seniorId = "S1", service = Service.CLEANING, start = shanghai("2026-11-24T09:00")))

    /** Lunch at the canteen ZH-CT-01 today, 12 yuan, with `capacity` meals and `seats` seats. */
    fun lunchToday(capacity: UInt, seats: UInt): String {
        cc.setCanteen(defaultCanteenSettings("ZH-CT-01", 1000.0))
        cc.setMenu(MealMenu("ZH-CT-01", cc.today(), Meal.LUNCH, "红烧鱼块, 炒青菜, 米饭", 1200u, capacity, seats))
        return cc.today()
    }

    override fun close() {
        cc.close()
        clock.close()
    }
}

/** Collects events as they are delivered. */
private class Heard : EventListener {
    val queue = LinkedBlockingQueue<Event>()
    override fun onEvent(event: Event) {
        queue.add(event)
    }

    /** Events until one of `last` kind arrives (at most 5 s). */
    fun until(last: String): List<Event> {
        val out = mutableListOf<Event>()
        while (out.lastOrNull()?.kind != last) {
            out += queue.poll(5, TimeUnit.SECONDS) ?: error("no $last event; heard ${out.map { it.kind }}")
        }
        return out
    }
}

class ServicesTest {
    @Test
    fun aFamilyMemberBooksAHomeVisitForAParent() {
        World().use { w ->
            val b = w.bookCleaning()
            assertEquals(BookingState.OFFERED, b.state)
            assertEquals("family:F1", b.requestedBy)
            assertEquals(120L, java.time.Duration.between(b.start, b.end).toMinutes(), "the catalogue's duration for cleaning")
            assertTrue(b.governmentPaid)
            val offers = w.cc.offers(b.id)
            assertEquals(listOf("C1", "C2", "C3"), offers.map { it.caregiverId }, "the nearest qualified caregivers, nearest first")
            assertEquals(500.0, offers[0].distanceM, 1.0)
            assertEquals(listOf(b.id), w.cc.bookingsForSenior(daughter, "S1").map { it.id })
            // Others may not book for her.
            val e = assertFailsWith<CareCircleException.Forbidden> {
                w.cc.requestBooking(Actor.Family("F9"), BookingRequest(seniorId = "S1", service = Service.CLEANING, start = shanghai("2026-11-24T09:00")))
            }
            assertTrue(e.message!!.startsWith("not allowed"), e.message)
        }
    }

    /** What an app shows for each kind of error is exactly the core's plain sentence: the
     *  subclass is the error code (the same as the HTTP API's), the message no field dump. */
    @Test
    fun everyKindOfErrorShowsItsPlainMessage() {
        World().use { w ->
            val b = w.bookCleaning()
            w.cc.acceptBooking(carer("C2"), b.id)
            val today = w.lunchToday(capacity = 1u, seats = 1u)
            w.cc.orderMeal(daughter, "S1", "ZH-CT-01", today, Meal.LUNCH, MealMode.DINE_IN)
            w.cc.openTimebankAccount("F1", "胡丽", "1990-05-17")
            val cases: List<Pair<String, () -> Any?>> = listOf(
                "invalid coordinate: latitude 95 is outside -90..90" to { w.cc.nearest(95.0, 121.7, Crs.WGS84, NearbyQuery(k = 1u)) },
                "booking not found: NO-SUCH" to { w.cc.booking("NO-SUCH") },
                "already taken: booking ${b.id} was accepted by another caregiver" to { w.cc.acceptBooking(carer("C1"), b.id) },
                "not allowed: hours can be spent from age 60" to { w.cc.spendHours(daughter, "F1", "booking B2", 10L) },
            )
            for ((expected, call) in cases) {
                val e = assertFailsWith<CareCircleException> { call() }
                assertEquals(expected, e.message)
                assertEquals(expected, e.localizedMessage)
            }
            val more = listOf(
                assertFailsWith<CareCircleException.Full> { w.cc.orderMeal(w.operator, "S2", "ZH-CT-01", today, Meal.LUNCH, MealMode.PICK_UP) },
                assertFailsWith<CareCircleException.InvalidInput> { w.cc.nearest(29.9, 121.7, Crs.WGS84, NearbyQuery(k = 0u)) },
                assertFailsWith<CareCircleException> { w.cc.orderMeal(daughter, "S1", "ZH-CT-01", today, Meal.LUNCH, MealMode.DINE_IN) },
            )
            for (e in more) {
                val text = e.message!!
                assertTrue(text.isNotEmpty() && !text.contains("message=") && !text.contains("Exception"), text)
            }
        }
    }

    @Test
    fun aCaregiverAcceptsAndASecondAcceptIsAlreadyTaken() {
        World().use { w ->
            val b = w.bookCleaning()
            val accepted = w.cc.acceptBooking(carer("C2"), b.id)
            assertEquals(BookingState.ACCEPTED, accepted.state)
            assertEquals("C2", accepted.caregiverId)
            val e = assertFailsWith<CareCircleException.AlreadyTaken> { w.cc.acceptBooking(carer("C1"), b.id) }
            assertEquals("already taken: booking ${b.id} was accepted by another caregiver", e.message)
            assertEquals(listOf(b.id), w.cc.agenda(carer("C2"), "C2").map { it.booking.id })
            val cancelled = w.cc.cancelBooking(daughter, b.id, "改期")
            assertEquals(BookingState.CANCELLED, cancelled.state)
            val again = assertFailsWith<CareCircleException.InvalidTransition> { w.cc.acceptBooking(carer("C2"), b.id) }
            assertTrue(again.message!!.contains("cannot be accepted"), again.message)
        }
    }

    @Test
    fun checkInFarFromHomeIsFlaggedAndReviewed() {
        World().use { w ->
            val b = w.bookCleaning()
            w.cc.acceptBooking(carer("C1"), b.id)
            // A day early: outside the check-in window.
            val early = assertFailsWith<CareCircleException.InvalidInput> { w.cc.checkIn(carer("C1"), b.id, HOME_LAT, HOME_LON, Crs.WGS84) }
            assertTrue(early.message!!.contains("check-in is open from 60 minutes before"), early.message)
            w.clock.set(shanghai("2026-11-24T08:55"))
            val bad = assertFailsWith<CareCircleException.InvalidCoordinate> { w.cc.checkIn(carer("C1"), b.id, 95.0, HOME_LON, Crs.WGS84) }
            assertEquals("invalid coordinate: latitude 95 is outside -90..90", bad.message)
            // 1 km north of the home: accepted, flagged, with the distance.
            val visit = w.cc.checkIn(carer("C1"), b.id, northOfHome(1000.0), HOME_LON, Crs.WGS84)
            assertTrue(visit.flagged)
            assertEquals(1000.0, visit.checkInDistanceM, 2.0)
            assertEquals(BookingState.CHECKED_IN, w.cc.booking(b.id).state)
            w.clock.advance(java.time.Duration.ofMinutes(125))
            val out = w.cc.checkOut(carer("C1"), b.id, HOME_LAT, HOME_LON, Crs.WGS84)
            assertEquals(125L, out.minutes)
            val pending = w.cc.monthlyStatement(daughter, "S1", 2026, 11u)
            assertEquals(1u, pending.pendingReview)
            assertEquals(0.0, pending.governmentHours)
            assertFailsWith<CareCircleException.Forbidden> { w.cc.reviewVisit(daughter, b.id, Review.APPROVED) }
            assertEquals(Review.APPROVED, w.cc.reviewVisit(w.operator, b.id, Review.APPROVED).review)
            val statement = w.cc.monthlyStatement(daughter, "S1", 2026, 11u)
            assertEquals(2.0, statement.governmentHours, 1e-9, "verified 125 minutes, booked 120: 2 hours drawn")
            assertEquals("drawn", statement.lines.single().status)
        }
    }

    @Test
    fun eventsAreAFlowThatEndsWithItsCollector() {
        World().use { w ->
            runBlocking {
                // Unconfined: collection, and so the subscription, starts before async returns.
                val firstThree = async(Dispatchers.Unconfined) { w.cc.events().take(3).toList() }
                val b = w.bookCleaning()
                val got = withTimeout(5_000) { firstThree.await() }
                assertEquals(listOf("booking_requested", "booking_offered", "booking_offered"), got.map { it.kind })
                assertTrue(got.all { it.subjectId == b.id })
                // A collector in its own job hears until the job is cancelled, and nothing after.
                val heard = LinkedBlockingQueue<Event>()
                val job = launch(Dispatchers.Unconfined) { w.cc.events().collect { heard.add(it) } }
                w.cc.acceptBooking(carer("C1"), b.id)
                val accepted = generateSequence { heard.poll(5, TimeUnit.SECONDS) ?: error("no booking_accepted event") }.first { it.kind == "booking_accepted" }
                assertEquals("C1", accepted.partyId)
                job.cancelAndJoin()
                heard.clear()
                w.cc.cancelBooking(daughter, b.id, "改期")
                assertEquals(null, heard.poll(300, TimeUnit.MILLISECONDS), "nothing after the collector's job ended")
            }
        }
    }

    @Test
    fun aListenerReceivesTheEventsInOrder() {
        World().use { w ->
            val heard = Heard()
            val subscription = w.cc.subscribe(heard)
            val b = w.bookCleaning()
            w.cc.acceptBooking(carer("C1"), b.id)
            w.clock.set(shanghai("2026-11-24T08:55"))
            w.cc.checkIn(carer("C1"), b.id, northOfHome(1000.0), HOME_LON, Crs.WGS84)
            val events = heard.until("visit_flagged")
            assertEquals(
                listOf("booking_requested", "booking_offered", "booking_accepted", "visit_checked_in", "visit_flagged"),
                events.map { it.kind }.fold(listOf<String>()) { acc, k -> if (acc.lastOrNull() == k) acc else acc + k },
            )
            assertEquals(listOf("C1", "C2", "C3"), events.filter { it.kind == "booking_offered" }.map { it.partyId })
            assertTrue(events.all { it.subjectId == b.id && it.seniorId == "S1" })
            assertEquals(events.map { it.seq }.sorted(), events.map { it.seq })
            // The log also holds the family link's proposal and acceptance, from before the subscription.
            assertEquals(events.map { it.seq }, w.cc.eventsSince(events.first().seq - 1, 100u).map { it.seq }, "the log holds what was delivered")
            subscription.cancel()
            w.cc.cancelBooking(Actor.Senior("S1"), w.bookCleaning().id, "不需要了")
            assertEquals(null, heard.queue.poll(300, TimeUnit.MILLISECONDS), "nothing after cancel")
            subscription.close()
        }
    }

    @Test
    fun aMealOrderThenFullAndTooLate() {
        World().use { w ->
            val today = w.lunchToday(capacity = 1u, seats = 1u)
            val menu = w.cc.menus("ZH-CT-01", today).single()
            assertEquals(shanghai("${today}T09:00"), menu.cutoff)
            val order = w.cc.orderMeal(daughter, "S1", "ZH-CT-01", today, Meal.LUNCH, MealMode.DINE_IN)
            // S1 is 86 and qualifies for government-paid care: the 5-yuan subsidy.
            assertEquals(Triple(1200u, 500u, 700u), Triple(order.priceFen, order.subsidyFen, order.dueFen))
            val full = assertFailsWith<CareCircleException.Full> { w.cc.orderMeal(w.operator, "S2", "ZH-CT-01", today, Meal.LUNCH, MealMode.PICK_UP) }
            assertTrue(full.message!!.startsWith("full: all 1 meals"), full.message)
            w.clock.set(shanghai("${today}T09:30"))
            val late = assertFailsWith<CareCircleException.TooLate> { w.cc.cancelMeal(daughter, order.id) }
            assertTrue(late.message!!.contains("09:00 (Shanghai)"), late.message)
            assertFailsWith<CareCircleException.TooLate> { w.cc.orderMeal(Actor.Senior("S2"), "S2", "ZH-CT-01", today, Meal.LUNCH, MealMode.PICK_UP) }
            assertEquals(listOf(order.id), w.cc.mealOrdersForSenior(daughter, "S1").map { it.id })
        }
    }

    @Test
    fun theTimeBankEarnsAndAudits() {
        World().use { w ->
            w.cc.openTimebankAccount("F1", "胡丽", "1990-05-17")
            w.cc.openTimebankAccount("S1", "王秀英", "1940-03-01")
            val earned = w.cc.recordVolunteerService(w.operator, "F1", "S2", Service.COMPANIONSHIP, 120L)
            assertEquals(120L, earned.creditedMinutes)
            assertEquals(120L, earned.balanceMinutes)
            assertFailsWith<CareCircleException.Forbidden> { w.cc.recordVolunteerService(daughter, "F1", "S2", Service.COMPANIONSHIP, 60L) }
            // The daughter gives an hour to her mother, who spends half of it; the daughter is too young to spend.
            assertEquals(60L, w.cc.transferHours(daughter, "F1", "S1", 60L).balanceMinutes)
            assertEquals(30L, w.cc.spendHours(Actor.Senior("S1"), "S1", "booking B1", 30L).balanceMinutes)
            val young = assertFailsWith<CareCircleException.Forbidden> { w.cc.spendHours(daughter, "F1", "booking B2", 10L) }
            assertEquals("not allowed: hours can be spent from age 60", young.message)
            assertFailsWith<CareCircleException.InvalidInput> { w.cc.donateHours(daughter, "F1", 999L) }
            w.cc.donateHours(daughter, "F1", 30L)
            assertEquals(60L, w.cc.grantHours(Actor.District, "S1", 30L).balanceMinutes)
            assertEquals(-120L, w.cc.hoursBalance("bank:issued"))
            assertEquals(listOf(60L, -30L, 30L), w.cc.ledger("S1").map { it.minutes })
            assertEquals(emptyList(), w.cc.auditLedger(), "every transaction balances")
        }
    }

    @Test
    fun aFamilyMemberSetsUpAWeeklyPlanAndSeesTheGeneratedVisits() {
        World().use { w ->
            val request = PlanRequest(
                seniorId = "S1", kind = PlanKind.REGULAR, items = parsePlanItems("cleaning mon,thu 09:00 120; bathing sat 10:00"),
                regularCaregiverId = "C2", overQuota = OverQuota.SELF_PAID, startsOn = "2026-11-23",
            )
            val plan = w.cc.createPlan(daughter, request)
            assertEquals("family:F1", plan.createdBy)
            assertEquals(3, plan.items.size)
            val generated = w.cc.generatePlanVisits(daughter, plan.id, "2026-11-29")
            assertEquals(listOf("2026-11-23", "2026-11-26", "2026-11-28"), generated.occurrences.map { it.date })
            for (o in generated.occurrences) {
                assertEquals(Outcome.BOOKED, o.outcome)
                assertEquals(BookingState.OFFERED, o.bookingState)
                assertEquals("C2", o.caregiverId, "offered to the regular caregiver first, although C1 is nearer")
            }
            assertEquals(shanghai("2026-11-28T10:00"), w.cc.booking(generated.occurrences[2].bookingId!!).start)
            // The family sees the visits among the senior's bookings and in the plan.
            assertEquals(3, w.cc.bookingsForSenior(daughter, "S1").size)
            assertEquals(3, w.cc.planOccurrences(daughter, plan.id).size)
            assertEquals("2026-11-29", w.cc.plansForSenior(daughter, "S1").single().generatedThrough)
            val past = assertFailsWith<CareCircleException.InvalidInput> { w.cc.createPlan(daughter, request.copy(startsOn = "2026-11-01")) }
            assertEquals("invalid starts on: a plan cannot start in the past", past.message)
        }
    }

    @Test
    fun aSeniorAppliesForAMealSubsidyAndSeesItApproved() {
        World().use { w ->
            val me = Actor.Senior("S1")
            w.cc.recordAssessment(Actor.District, "S1", "评估员张", "2026-11-20", assessmentItems().map { it.max }, Conditions())
            val applied = w.cc.applyForSubsidy(me, "S1", SubsidyKind.MEAL, "每天午餐")
            assertEquals(SubsidyState.SUBMITTED, applied.state)
            val early = assertFailsWith<CareCircleException.InvalidTransition> { w.cc.approveSubsidy(Actor.District, applied.id) }
            assertEquals("subsidy application ${applied.id} is submitted: it cannot be approved", early.message)
            assertFailsWith<CareCircleException.Forbidden> { w.cc.recommendSubsidy(daughter, applied.id) }
            assertEquals(SubsidyState.RECOMMENDED, w.cc.recommendSubsidy(w.operator, applied.id).state)
            w.cc.approveSubsidy(Actor.District, applied.id)
            val seen = w.cc.subsidy(me, applied.id)
            assertEquals(SubsidyState.APPROVED, seen.state)
            val grant = assertNotNull(seen.grant)
            assertEquals(300u, grant.mealFen)
            assertEquals("2026-11-23", grant.validFrom)
            assertEquals(listOf("senior:S1", "operator:${w.station}", "district"), w.cc.subsidyHistory(me, applied.id).map { it.actor })
            // It shows in the price of her lunch: 5 yuan by age and care, 3 more by the subsidy.
            val today = w.lunchToday(capacity = 10u, seats = 10u)
            val order = w.cc.orderMeal(me, "S1", "ZH-CT-01", today, Meal.LUNCH, MealMode.DINE_IN)
            assertEquals(800u to 400u, order.subsidyFen to order.dueFen)
        }
    }

    @Test
    fun asyncSyncAgainstTheRealServer() {
        val url = System.getenv("CARECIRCLE_SERVER_URL")
        assertNotNull(url, "CARECIRCLE_SERVER_URL: scripts/kotlin-test.sh starts carecircle-server --demo")
        CareCircle.openInMemory(defaultSettings()).use { phone ->
            val family = Actor.Family("ZH-F-000001")
            val options = defaultSyncOptions().copy(attempts = 3u)
            val wrong = assertFailsWith<CareCircleException.Forbidden> { runBlocking { phone.syncWith(url, "family", "wrong", options) } }
            assertEquals("not allowed: the platform did not accept the login", wrong.message)
            val first = runBlocking { phone.syncWith(url, "family", "demo", options) }
            assertTrue(first.rows > 100u, "facilities and the family's senior: $first")
            assertEquals("family", phone.syncBinding()?.login)
            val senior = phone.senior("ZH-S-000001")
            assertTrue(phone.familyLinks(senior.id).any { it.familyId == "ZH-F-000001" && it.permissions.canBook })
            // Booked on the phone (offline-first): it waits in the outbox until the next sync.
            val start = LocalDate.now(ZoneOffset.ofHours(8)).plusDays(2).atTime(10, 0).toInstant(ZoneOffset.ofHours(8))
            val b = phone.requestBooking(family, BookingRequest(seniorId = senior.id, service = Service.CLEANING, start = start))
            assertEquals(listOf("request_booking"), phone.outbox().map { it.op })
            val second = runBlocking { phone.sync("$url/", "family", "demo") }
            assertEquals(1u, second.applied)
            assertEquals(emptyList(), second.refused)
            assertEquals(emptyList(), phone.outbox())
            val onPlatform = phone.booking(b.id)
            assertEquals("family:ZH-F-000001", onPlatform.requestedBy)
            assertTrue(onPlatform.state == BookingState.OFFERED || onPlatform.state == BookingState.REQUESTED, "${onPlatform.state}")
            assertTrue(phone.syncedEvents(0L, 1000u).any { it.kind == "booking_requested" && it.subjectId == b.id })
        }
    }

    @Test
    fun aMealOrderAndAnSosMadeOfflineTravelToTheRealServer() {
        val url = System.getenv("CARECIRCLE_SERVER_URL")
        assertNotNull(url, "CARECIRCLE_SERVER_URL: scripts/kotlin-test.sh starts carecircle-server --demo")
        CareCircle.openInMemory(defaultSettings()).use { phone ->
            val family = Actor.Family("ZH-F-000001")
            runBlocking { phone.sync(url, "family", "demo") }
            // The first sync brought the canteen's menus: the phone can order with no network.
            val tomorrow = LocalDate.now(ZoneOffset.ofHours(8)).plusDays(1).toString()
            val dinner = phone.menus("ZH-CT-01", tomorrow).first { it.menu.meal == Meal.DINNER }
            val order = phone.orderMeal(family, "ZH-S-000001", "ZH-CT-01", tomorrow, Meal.DINNER, MealMode.PICK_UP)
            assertEquals(dinner.ordered + 1u, phone.menus("ZH-CT-01", tomorrow).first { it.menu.meal == Meal.DINNER }.ordered)
            val home = phone.senior("ZH-S-000001")
            val sos = phone.raiseAlert(family, "ZH-S-000001", home.lat, home.lon, Crs.WGS84)
            assertEquals(listOf("order_meal", "raise_alert"), phone.outbox().map { it.op })
            assertEquals(listOf("meal_order", "alert"), phone.outbox().map { it.entity })
            val report = runBlocking { phone.sync(url, "family", "demo") }
            assertEquals(2u, report.applied, "$report")
            assertEquals(emptyList(), phone.outbox())
            // What the phone now holds is the platform's: the alert it recorded, the order it took.
            val onPlatform = phone.alert(sos.id)
            assertEquals("raised", onPlatform.state)
            assertEquals("family:ZH-F-000001", onPlatform.raisedBy)
            assertNotNull(onPlatform.stationId)
            assertEquals("ordered", phone.mealOrdersForSenior(family, "ZH-S-000001").first { it.id == order.id }.state)
            val events = phone.syncedEvents(0L, 5000u)
            assertTrue(events.any { it.kind == "alert_raised" && it.subjectId == sos.id }, "the platform's event came back")
            assertTrue(events.any { it.kind == "meal_ordered" && it.subjectId == order.id })
            // A second dinner the same day: the phone applies the platform's rule itself, in plain words.
            val e = assertFailsWith<CareCircleException> { phone.orderMeal(family, "ZH-S-000001", "ZH-CT-01", tomorrow, Meal.DINNER, MealMode.PICK_UP) }
            assertTrue(e.message!!.contains("already exists"), e.message)
        }
    }

    @Test
    fun anSosFromTheSeniorsPhoneReachesTheListeningFamilyPhoneWithinASecond() {
        val url = System.getenv("CARECIRCLE_SERVER_URL")
        assertNotNull(url, "CARECIRCLE_SERVER_URL: scripts/kotlin-test.sh starts carecircle-server --demo")
        CareCircle.openInMemory(defaultSettings()).use { familyPhone ->
            CareCircle.openInMemory(defaultSettings()).use { seniorPhone ->
                runBlocking { seniorPhone.sync(url, "senior", "demo") }
                val heard = Heard()
                val subscription = familyPhone.subscribe(heard)
                runBlocking {
                    // The family's app in the foreground: listening until the coroutine is cancelled.
                    val listening = launch(Dispatchers.IO) { familyPhone.listen(url, "family", "demo") }
                    val started = System.nanoTime()
                    while (familyPhone.syncBinding()?.syncedAt == null) {
                        assertTrue(System.nanoTime() - started < 30_000_000_000L, "the first sync did not finish")
                        delay(20)
                    }
                    delay(300)
                    heard.queue.clear()
                    // Offline, the senior presses SOS; her phone reconnects and syncs.
                    val home = seniorPhone.senior("ZH-S-000001")
                    val sos = seniorPhone.raiseAlert(Actor.Senior("ZH-S-000001"), home.id, home.lat, home.lon, Crs.WGS84)
                    val reconnected = System.nanoTime()
                    assertEquals(1u, seniorPhone.sync(url, "senior", "demo").applied)
                    var told: Event? = null
                    while (told == null) {
                        val e = heard.queue.poll(5, TimeUnit.SECONDS) ?: error("the family phone was not told of the SOS")
                        if (e.kind == "alert_notified" && e.subjectId == sos.id) told = e
                    }
                    val ms = (System.nanoTime() - reconnected) / 1_000_000
                    println("the SOS reached the listening family phone $ms ms after the senior's phone reconnected")
                    assertTrue(ms < 1000, "$ms ms")
                    assertEquals("raised", familyPhone.alert(sos.id).state)
                    listening.cancel()
                    listening.join()
                }
                subscription.cancel()
            }
        }
    }
}
