import Foundation
import LumenEvents
import LumenTestSupport
import Testing
@testable import LumenBoard

#if canImport(Glibc)
    import Glibc
#endif

/// A pass over files nobody writes any more costs a `stat` each: a file whose size and times
/// haven't moved since a look at which its last change was already over a second old is not
/// opened.
/// A file written in the last second is always read and checked, so no write in the same clock
/// tick as a look can hide.
@Suite struct IdlePassTests {
    static let name = "events.out.tfevents.1.host"

    /// Sets the modification time of `path` to `seconds` after the epoch.
    static func setModified(_ path: String, seconds: Int) {
        var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
        _ = utimensat(AT_FDCWD, path, &times, 0)
    }

    /// Waits until the last change of `path` (its change time, which setting the modification
    /// time moves too) is more than ``LocalEventFile/settledSeconds`` old, whole seconds compared.
    static func waitUntilSettled(_ path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return }
        let settled = Double(Int64(status.st_ctim.tv_sec) + LocalEventFile.settledSeconds + 1) + 0.05
        let wait = settled - Date().timeIntervalSince1970
        if wait > 0 { Thread.sleep(forTimeInterval: wait) }
    }

    /// The seconds since the epoch now.
    static var now: Int { Int(Date().timeIntervalSince1970) }

    @Test func aFileIsUnchangedOnlyOnceItsLastWriteHasSettled() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let bytes = LoadProblemsTests.scalars("loss", 0..<3)
        try dir.write(Self.name, bytes)
        let path = dir.file(Self.name)
        let file = try LocalEventFile(path: path)
        let size = Int64(bytes.count)
        // Just written: looked at again and again, never unchanged.
        #expect(try file.state() == .present(size: size))
        #expect(try file.state() == .present(size: size))
        // Modified ten seconds ago by its times, but changed (its times set) just now: still
        // looked at; once that change has settled, unchanged from the second look on.
        let then = Self.now - 10
        Self.setModified(path, seconds: then)
        #expect(try file.state() == .present(size: size))
        #expect(try file.state() == .present(size: size))
        Self.waitUntilSettled(path)
        #expect(try file.state() == .present(size: size))
        #expect(try file.state() == .unchanged)
        #expect(try file.state() == .unchanged)
        // Rewritten in place to the same size, its modification time set back: its change time
        // moved, so it is looked at again.
        try LoadProblemsTests.rewriteInPlace(path, LoadProblemsTests.scalars("loss", 0..<3, plus: 0.5))
        Self.setModified(path, seconds: then)
        #expect(try file.state() == .present(size: size))
        // Grown: present with its new size.
        try dir.append(Self.name, LoadProblemsTests.scalars("loss", 3..<4))
        Self.setModified(path, seconds: then)
        #expect(try file.state() == .present(size: size + Int64(LoadProblemsTests.scalars("loss", 3..<4).count)))
    }

    @Test func aRunLoaderSkipsASettledFileAndStillSeesItRewritten() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(Self.name, LoadProblemsTests.scalars("loss", 0..<3))
        let path = dir.file(Self.name)
        let then = Self.now - 10
        Self.setModified(path, seconds: then)
        Self.waitUntilSettled(path)
        let run = RunLoader(name: ".")
        #expect(run.load(files: [path]) == 3)
        #expect(run.load(files: [path]) == 0)
        #expect(run.load(files: [path]) == 0)
        // The same size, other values, the old modification time: read again from the start.
        try LoadProblemsTests.rewriteInPlace(path, LoadProblemsTests.scalars("loss", 0..<3, plus: 0.5))
        Self.setModified(path, seconds: then)
        run.load(files: [path])
        #expect(run.data.scalars["loss"]?.values == [0.5, 1.5, 2.5])
        #expect(run.rereads.count == 1)
    }
}
