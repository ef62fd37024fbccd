// What a Kotlin (Android) app relies on, against the real library built for this machine.
// The same stories as tests/bindings/swift. Run with scripts/kotlin-test.sh.
package org.carecircle.tests

import java.io.File
import kotlin.math.abs
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.carecircle.CareCircle
import org.carecircle.CareCircleException
import org.carecircle.Crs
import org.carecircle.Event
import org.carecircle.EventListener
import org.carecircle.FacilityKind
import org.carecircle.NearbyQuery
import org.carecircle.Service
import org.carecircle.convertPosition
import org.carecircle.defaultSettings

/** The workspace root: $CARECIRCLE_ROOT, else the working directory. */
private val root = File(System.getenv("CARECIRCLE_ROOT") ?: ".")

private fun dataFile(relative: String) = File(root, "data/$relative").path

/** A fresh in-memory CareCircle with the synthetic Zhenhai district imported. */
private fun zhenhai(): CareCircle {
    val cc = CareCircle.openInMemory(defaultSettings())
    val report = runBlocking { cc.importFile(dataFile("zhenhai-facilities.geojson"), null) }
    assertEquals(130u, report.inserted)
    return cc
}

/** A home near the canteen ZH-CT-01: WGS-84 29.9609, 121.7180 as Amap (GCJ-02) gives it. */
private const val HOME_GCJ02_LAT = 29.958439
private const val HOME_GCJ02_LON = 121.722260

class CareCircleTest {
    @Test
    fun aSeniorFindsTheNearestCanteenFromAnAmapPosition() {
        zhenhai().use { cc ->
            val found = cc.nearest(HOME_GCJ02_LAT, HOME_GCJ02_LON, Crs.GCJ02, NearbyQuery(kinds = listOf(FacilityKind.CANTEEN), k = 5u))
            assertEquals(5, found.size)
            assertEquals("ZH-CT-01", found[0].id)
            assertEquals(FacilityKind.CANTEEN, found[0].kind)
            assertTrue(found[0].distanceM < 300.0, "${found[0].distanceM} m")
            assertEquals(found.map { it.distanceM }.sorted(), found.map { it.distanceM })
            // The same place in WGS-84 finds the same canteen at almost the same distance.
            val wgs = cc.nearest(29.9609, 121.7180, Crs.WGS84, NearbyQuery(kinds = listOf(FacilityKind.CANTEEN), k = 1u))
            assertEquals("ZH-CT-01", wgs[0].id)
            assertEquals(found[0].distanceM, wgs[0].distanceM, 5.0)
            // Back to GCJ-02 for an Amap marker.
            val marker = convertPosition(found[0].lat, found[0].lon, Crs.WGS84, Crs.GCJ02)
            assertTrue(abs(marker.lon - found[0].lon) > 0.001)
            assertEquals("老年食堂/助餐点", FacilityKind.CANTEEN.chinese())
        }
    }

    @Test
    fun theFifteenMinuteCircleOfAHome() {
        zhenhai().use { cc ->
            val circle = cc.circle(HOME_GCJ02_LAT, HOME_GCJ02_LON, Crs.GCJ02)
            assertEquals(15.0, circle.minutes)
            assertEquals(6, circle.kinds.size)
            assertEquals(10, circle.services.size)
            assertEquals(FacilityKind.entries.map { it.code() }, circle.kinds.map { it.code })
            assertEquals(Service.entries.map { it.code() }, circle.services.map { it.code })
            val canteen = circle.kinds.single { it.code == "canteen" }
            assertTrue(canteen.covered)
            assertEquals("ZH-CT-01", canteen.nearest?.id)
            for (reach in circle.kinds + circle.services) {
                assertEquals((reach.nearest?.walkMinutes ?: Double.POSITIVE_INFINITY) <= 15.0, reach.covered, reach.code)
            }
        }
    }

    @Test
    fun aBadCoordinateIsATypedErrorWithItsMessage() {
        zhenhai().use { cc ->
            val e = assertFailsWith<CareCircleException.InvalidCoordinate> {
                cc.nearest(95.0, 121.7, Crs.GCJ02, NearbyQuery(k = 5u))
            }
            assertEquals("invalid coordinate: latitude 95 is outside -90..90", e.message)
            val nan = assertFailsWith<CareCircleException.InvalidCoordinate> { cc.circle(Double.NaN, 121.7, Crs.WGS84) }
            assertTrue(nan.message!!.contains("must be numbers"), nan.message)
            val k = assertFailsWith<CareCircleException.InvalidInput> { cc.nearest(29.96, 121.7, Crs.WGS84, NearbyQuery(k = 0u)) }
            assertTrue(k.message!!.startsWith("invalid k"), k.message)
            assertFailsWith<CareCircleException.NotFound> { cc.facility("ZH-NOPE") }
        }
    }

    @Test
    fun aBadImportFileNamesItsRowsAndChangesNothing() {
        zhenhai().use { cc ->
            val e = assertFailsWith<CareCircleException.ImportRejected> {
                runBlocking { cc.importFile(dataFile("samples/bad-facilities.csv"), null) }
            }
            assertTrue(e.message!!.contains("line 3: name is missing"), e.message)
            assertTrue(e.message!!.contains("line 5: invalid coordinate: latitude 95"), e.message)
            assertEquals(130uL, cc.facilityCount())
            assertFailsWith<CareCircleException.CannotRead> {
                runBlocking { cc.importFile(dataFile("samples/no-such-file.csv"), null) }
            }
        }
    }

    @Test
    fun importRunsOffTheCallersThreadAndCompletes() {
        CareCircle.openInMemory(defaultSettings()).use { cc ->
            // Two imports at once, of overlapping files: both complete, one after the other
            // (whichever comes second updates the five canteens the other inserted).
            runBlocking {
                withTimeout(30_000) {
                    val first = async { cc.importFile(dataFile("zhenhai-facilities.geojson"), null) }
                    val second = async { cc.importFile(dataFile("samples/canteens-gcj02.geojson"), Crs.GCJ02) }
                    val (a, b) = first.await() to second.await()
                    assertEquals(130u, a.inserted + a.updated)
                    assertEquals(5u, b.inserted + b.updated)
                    assertEquals(130u, a.inserted + b.inserted)
                }
            }
            assertEquals(130uL, cc.facilityCount())
        }
    }

    @Test
    fun openingWithBadSettingsSaysWhich() {
        val e = assertFailsWith<CareCircleException.InvalidInput> {
            CareCircle.openInMemory(defaultSettings().copy(walkSpeedMPerS = 0.0))
        }
        assertTrue(e.message!!.contains("walking speed"), e.message)
    }

    @Test
    fun aDatabaseFileKeepsItsFacilities() {
        val dir = kotlin.io.path.createTempDirectory("carecircle").toFile()
        try {
            val path = File(dir, "cc.db").path
            CareCircle.open(path, defaultSettings()).use { runBlocking { it.importFile(dataFile("zhenhai-facilities.geojson"), null) } }
            CareCircle.open(path, defaultSettings()).use { cc ->
                assertEquals(130uL, cc.facilityCount())
                assertEquals(FacilityKind.CANTEEN, cc.facility("ZH-CT-01").kind)
            }
        } finally {
            dir.deleteRecursively()
        }
    }

    @Test
    fun aListenerSubscribesAndCancels() {
        // Delivery of booking and visit events is in ServicesTest; here: facility imports are
        // not events, and a subscription cancels and closes cleanly.
        CareCircle.openInMemory(defaultSettings()).use { cc ->
            val heard = java.util.concurrent.LinkedBlockingQueue<Event>()
            val subscription = cc.subscribe(object : EventListener {
                override fun onEvent(event: Event) {
                    heard.add(event)
                }
            })
            runBlocking { cc.importFile(dataFile("samples/stations.csv"), null) }
            assertEquals(null, heard.poll(200, java.util.concurrent.TimeUnit.MILLISECONDS), "facility imports are not events")
            subscription.cancel()
            subscription.cancel()
            subscription.close()
        }
    }
}
