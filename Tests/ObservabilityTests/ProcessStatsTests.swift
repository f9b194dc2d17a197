#if canImport(Glibc)
import Glibc
#endif
@testable import Observability
import Testing

/// The process figures read from /proc, and the small-file helpers.
@Suite struct ProcessStatsTests {
    @Test func processFiguresAreThoseOfThisProcess() {
        #expect(ProcessStats.residentBytes() > 1 << 20)
        #expect(ProcessStats.threads() >= 1)
        let before = ProcessStats.openFDs()
        let fd = open("/dev/null", O_RDONLY)
        defer { close(fd) }
        #expect(ProcessStats.openFDs() == before + 1)
        #expect(ProcessStats.cpuSeconds() > 0)
    }

    @Test func writeThenReadAFile() throws {
        let path = "/tmp/observability-test-\(getpid()).bin"
        defer { unlink(path) }
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        #expect(FileSystem.write(path, bytes))
        #expect(FileSystem.read(path) == bytes)
        #expect(FileSystem.write(path, [1, 2]))
        #expect(FileSystem.read(path) == [1, 2])  // truncated, not overwritten in place
        #expect(FileSystem.read("/nonexistent/file") == nil)
        #expect(!FileSystem.write("/nonexistent/dir/file", [1]))
    }
}
