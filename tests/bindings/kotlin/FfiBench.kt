// The FFI cost benchmark, Kotlin side (scripts/kotlin-bench.sh; not part of the tests):
// the nearest query of the tests (a GCJ-02 position in Zhenhai, canteens, k = 5) through
// the generated bindings on the JVM, as median microseconds per call after warm-up, and
// the cost of opening CareCircle from Kotlin. The Rust side of the same query is
// bindings/src/bench.rs. Target: nearest with 5 results at most 10 us median.
package org.carecircle.tests

import java.io.File
import kotlinx.coroutines.runBlocking
import org.carecircle.CareCircle
import org.carecircle.Crs
import org.carecircle.FacilityKind
import org.carecircle.NearbyQuery
import org.carecircle.defaultSettings

private const val BATCH = 100
private const val BATCHES = 2000

/** Median and 90th percentile of per-call microseconds over batches, after warm-up. */
private fun measure(call: () -> Int): Pair<Double, Double> {
    repeat(BATCH * BATCHES / 10) { check(call() == 5) }
    val perCall = DoubleArray(BATCHES) {
        val start = System.nanoTime()
        repeat(BATCH) { check(call() == 5) }
        (System.nanoTime() - start) / 1000.0 / BATCH
    }.sorted()
    return perCall[BATCHES / 2] to perCall[BATCHES * 9 / 10]
}

private fun medianMicros(times: Int, block: () -> Unit): Double {
    repeat(times / 10) { block() }
    return List(times) {
        val start = System.nanoTime()
        block()
        (System.nanoTime() - start) / 1000.0
    }.sorted()[times / 2]
}

fun main() {
    val root = File(System.getenv("CARECIRCLE_ROOT") ?: ".")
    val geojson = File(root, "data/zhenhai-facilities.geojson").path
    val settings = defaultSettings()

    val openEmpty = medianMicros(200) { CareCircle.openInMemory(settings).close() }
    val dir = kotlin.io.path.createTempDirectory("carecircle-bench").toFile()
    val db = File(dir, "bench.db").path
    CareCircle.open(db, settings).use { runBlocking { it.importFile(geojson, null) } }
    val openFile = medianMicros(100) { CareCircle.open(db, settings).close() }

    CareCircle.open(db, settings).use { cc ->
        val canteens = NearbyQuery(kinds = listOf(FacilityKind.CANTEEN), k = 5u)
        val (median, p90) = measure { cc.nearest(29.958439, 121.722260, Crs.GCJ02, canteens).size }
        val any = NearbyQuery(k = 5u)
        val (anyMedian, anyP90) = measure { cc.nearest(29.958439, 121.722260, Crs.GCJ02, any).size }
        println("kotlin nearest k=5 canteens (JVM -> .so):  median %.2f us, p90 %.2f us per call (target <= 10 us: %s)"
            .format(median, p90, if (median <= 10.0) "met" else "NOT met"))
        println("kotlin nearest k=5 any kind (JVM -> .so):  median %.2f us, p90 %.2f us per call".format(anyMedian, anyP90))
        // The floor of any method call through uniffi 0.32's JNA glue: no arguments, a
        // number back (two native calls: clone the handle, call).
        val (floor, floorP90) = measure { if (cc.facilityCount() == 130uL) 5 else 0 }
        println("kotlin facilityCount (call floor):         median %.2f us, p90 %.2f us per call".format(floor, floorP90))
    }
    println("kotlin open in memory (empty):             median %.0f us".format(openEmpty))
    println("kotlin open file (130 facilities):         median %.0f us".format(openFile))
    dir.deleteRecursively()
}
