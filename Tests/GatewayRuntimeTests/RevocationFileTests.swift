import Foundation
import GatewayRuntime
import MCPGateway
import Testing

/// `session.revocationsFile`: what survives a restart, and what a damaged file loses.
@Suite struct RevocationFileTests {
    static let now = 1_800_000_000.0

    @Test func loadingKeepsUnexpiredWellFormedLinesAndRewritesTheFile() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        dir.write("revoked.txt", RevocationFile.header
            + "00ff10 1800000100\n"      // kept
            + "abcd 1799999999\n"        // expired
            + "zz11 1800000100\n"        // not hex
            + "abc 1800000100\n"         // odd number of digits
            + "0102 soon\n"              // expiry not a number
            + "0a0b0c 1800000200 extra\n" // three fields
            + "0d0e 18000")              // a torn last line: its expiry is in the past
        let (file, loaded) = try RevocationFile.open(path: dir.file("revoked.txt"), now: Self.now)
        defer { file.sync() }
        #expect(loaded.map(\.nonce) == [[0x00, 0xff, 0x10]])
        #expect(loaded.map(\.expiry) == [1_800_000_100])
        #expect(dir.read("revoked.txt") == RevocationFile.header + "00ff10 1800000100\n")
    }

    @Test func aRecordedRevocationIsLoadedAfterARestart() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("revoked.txt")
        let (file, loaded) = try RevocationFile.open(path: path, now: Self.now)
        #expect(loaded.isEmpty)
        #expect(dir.read("revoked.txt") == RevocationFile.header)
        try file.record(nonce: [1, 2, 254], expiry: Self.now + 10.2)
        file.sync()
        // Expiry rounds up: the session is never accepted again before it would have expired anyway.
        #expect(dir.read("revoked.txt") == RevocationFile.header + "0102fe 1800000011\n")

        let (_, again) = try RevocationFile.open(path: path, now: Self.now + 5)
        #expect(again.map(\.nonce) == [[1, 2, 254]])
        let (_, later) = try RevocationFile.open(path: path, now: Self.now + 20)
        #expect(later.isEmpty)
    }

    @Test func lineAndParseAgree() throws {
        let nonce: [UInt8] = (0..<16).map { UInt8($0 * 17) }
        let line = RevocationFile.line(nonce: nonce, expiry: 1234.0)
        #expect(line.hasSuffix("\n"))
        let parsed = try #require(RevocationFile.parse(Array(line.utf8.dropLast())[...]))
        #expect(parsed.nonce == nonce)
        #expect(parsed.expiry == 1234)
        #expect(RevocationFile.parse(Array("0102".utf8)[...]) == nil)
        #expect(RevocationFile.parse(Array(" 5".utf8)[...]) == nil)
    }

    @Test func aFileThatCannotBeWrittenIsAConfigErrorAtStart() {
        #expect(throws: ConfigError.self) { _ = try RevocationFile.open(path: "/nonexistent-dir/revoked.txt", now: Self.now) }
    }
}
