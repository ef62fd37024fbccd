// What a Swift app relies on, against the real library: the stories of the Kotlin tests
// (tests/bindings/kotlin/CareCircleTest.kt), in Swift.
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

private func dataFile(_ relative: String) -> String { root.appendingPathComponent("data/\(relative)").path }

/// A fresh in-memory CareCircle with the synthetic Zhenhai district imported.
private func zhenhai() async throws -> CareCircle {
    let cc = try CareCircle.openInMemory(settings: defaultSettings())
    let report = try await cc.importFile(path: dataFile("zhenhai-facilities.geojson"), crs: nil)
    XCTAssertEqual(report.inserted, 130)
    return cc
}

/// A home near the canteen ZH-CT-01: WGS-84 29.9609, 121.7180 as Amap (GCJ-02) gives it.
private let homeGcj02 = (lat: 29.958439, lon: 121.722260)

final class CareCircleTests: XCTestCase {
    func testASeniorFindsTheNearestCanteenFromAnAmapPosition() async throws {
        let cc = try await zhenhai()
        let found = try cc.nearest(lat: homeGcj02.lat, lon: homeGcj02.lon, crs: .gcj02,
                                   query: NearbyQuery(kinds: [.canteen], k: 5))
        XCTAssertEqual(found.count, 5)
        XCTAssertEqual(found[0].id, "ZH-CT-01")
        XCTAssertEqual(found[0].kind, .canteen)
        XCTAssertLessThan(found[0].distanceM, 300)
        XCTAssertEqual(found.map(\.distanceM), found.map(\.distanceM).sorted())
        // The same place in WGS-84 finds the same canteen at almost the same distance.
        let wgs = try cc.nearest(lat: 29.9609, lon: 121.7180, crs: .wgs84, query: NearbyQuery(kinds: [.canteen], k: 1))
        XCTAssertEqual(wgs[0].id, "ZH-CT-01")
        XCTAssertEqual(wgs[0].distanceM, found[0].distanceM, accuracy: 5)
        // Back to GCJ-02 for an Amap marker.
        let marker = try convertPosition(lat: found[0].lat, lon: found[0].lon, from: .wgs84, to: .gcj02)
        XCTAssertGreaterThan(abs(marker.lon - found[0].lon), 0.001)
        XCTAssertEqual(FacilityKind.canteen.chinese(), "老年食堂/助餐点")
    }

    func testTheFifteenMinuteCircleOfAHome() async throws {
        let cc = try await zhenhai()
        let circle = try cc.circle(lat: homeGcj02.lat, lon: homeGcj02.lon, crs: .gcj02)
        XCTAssertEqual(circle.minutes, 15)
        XCTAssertEqual(circle.kinds.map(\.code), FacilityKind.allCases.map { $0.code() })
        XCTAssertEqual(circle.services.map(\.code), Service.allCases.map { $0.code() })
        XCTAssertEqual(circle.kinds.count, 6)
        XCTAssertEqual(circle.services.count, 10)
        let canteen = try XCTUnwrap(circle.kinds.first { $0.code == "canteen" })
        XCTAssertTrue(canteen.covered)
        XCTAssertEqual(canteen.nearest?.id, "ZH-CT-01")
        for reach in circle.kinds + circle.services {
            XCTAssertEqual(reach.covered, (reach.nearest?.walkMinutes ?? .infinity) <= 15, reach.code)
        }
    }

    func testABadCoordinateIsATypedErrorWithItsMessage() async throws {
        let cc = try await zhenhai()
        XCTAssertThrowsError(try cc.nearest(lat: 95, lon: 121.7, crs: .gcj02, query: NearbyQuery(k: 5))) { error in
            guard case let CareCircleError.InvalidCoordinate(message) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(message, "invalid coordinate: latitude 95 is outside -90..90")
            // What an app shows: the plain message, not a dump of the case.
            XCTAssertEqual(error.localizedDescription, message)
        }
        XCTAssertThrowsError(try cc.circle(lat: .nan, lon: 121.7, crs: .wgs84)) { error in
            guard case let CareCircleError.InvalidCoordinate(message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("must be numbers"), message)
            XCTAssertEqual(error.localizedDescription, message)
        }
        XCTAssertThrowsError(try cc.nearest(lat: 29.96, lon: 121.7, crs: .wgs84, query: NearbyQuery(k: 0))) { error in
            guard case let CareCircleError.InvalidInput(message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("k"), message)
            XCTAssertEqual(error.localizedDescription, message)
        }
        XCTAssertThrowsError(try cc.facility(id: "ZH-NOPE")) { error in
            guard case CareCircleError.NotFound = error else { return XCTFail("\(error)") }
        }
    }

    func testABadImportFileNamesItsRowsAndChangesNothing() async throws {
        let cc = try await zhenhai()
        do {
            _ = try await cc.importFile(path: dataFile("samples/bad-facilities.csv"), crs: nil)
            XCTFail("a bad file was accepted")
        } catch let CareCircleError.ImportRejected(message) {
            XCTAssertTrue(message.contains("line 3: name is missing"), message)
            XCTAssertTrue(message.contains("line 5: invalid coordinate: latitude 95"), message)
        }
        XCTAssertEqual(cc.facilityCount(), 130)
        do {
            _ = try await cc.importFile(path: dataFile("samples/no-such-file.csv"), crs: nil)
            XCTFail("a missing file was accepted")
        } catch CareCircleError.CannotRead {}
    }

    func testImportRunsOffTheCallersThreadAndCompletes() async throws {
        let cc = try CareCircle.openInMemory(settings: defaultSettings())
        // Two imports at once, of overlapping files: both complete, one after the other
        // (whichever comes second updates the five canteens the other inserted).
        async let first = cc.importFile(path: dataFile("zhenhai-facilities.geojson"), crs: nil)
        async let second = cc.importFile(path: dataFile("samples/canteens-gcj02.geojson"), crs: .gcj02)
        let (a, b) = try await (first, second)
        XCTAssertEqual(a.inserted + a.updated, 130)
        XCTAssertEqual(b.inserted + b.updated, 5)
        XCTAssertEqual(a.inserted + b.inserted, 130)
        XCTAssertEqual(cc.facilityCount(), 130)
    }

    func testOpeningWithBadSettingsSaysWhich() {
        var settings = defaultSettings()
        settings.walkSpeedMPerS = 0
        XCTAssertThrowsError(try CareCircle.openInMemory(settings: settings)) { error in
            guard case let CareCircleError.InvalidInput(message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("walking speed"), message)
        }
    }

    func testADatabaseFileKeepsItsFacilities() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("carecircle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("cc.db").path
        do {
            let cc = try CareCircle.open(path: path, settings: defaultSettings())
            _ = try await cc.importFile(path: dataFile("zhenhai-facilities.geojson"), crs: nil)
        }
        let reopened = try CareCircle.open(path: path, settings: defaultSettings())
        XCTAssertEqual(reopened.facilityCount(), 130)
        XCTAssertEqual(try reopened.facility(id: "ZH-CT-01").kind, .canteen)
    }

    func testAListenerSubscribesAndCancels() async throws {
        // Delivery of booking and visit events is in ServicesTests; here: facility imports are
        // not events, and a subscription cancels cleanly.
        final class Heard: EventListener, @unchecked Sendable {
            let lock = NSLock()
            var events: [Event] = []
            func onEvent(event: Event) { lock.withLock { events.append(event) } }
            var count: Int { lock.withLock { events.count } }
        }
        let cc = try CareCircle.openInMemory(settings: defaultSettings())
        let heard = Heard()
        let subscription = cc.subscribe(listener: heard)
        _ = try await cc.importFile(path: dataFile("samples/stations.csv"), crs: nil)
        try await Task.sleep(nanoseconds: 200_000_000)
        XCTAssertEqual(heard.count, 0, "facility imports are not events")
        subscription.cancel()
        subscription.cancel()
    }
}
