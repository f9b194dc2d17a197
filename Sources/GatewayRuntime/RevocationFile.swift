#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import MCPGateway
import Synchronization

/// DELETEd session ids on disk (`session.revocationsFile`), so an ended session stays ended
/// after a restart: session ids are signed with the persistent secret and would otherwise
/// verify again.
///
/// One line per revocation, `<nonce hex> <expiry unix seconds>`, appended with one `write(2)`
/// before the DELETE is answered: the line is in the kernel when the client hears 200, so it
/// survives the gateway crashing or restarting. `fdatasync` runs at most once a second, off the
/// request path (an fsync per DELETE would stall an event loop per request): a power loss can
/// forget the last second's revocations. At start the file is read, expired and malformed lines
/// (a torn last line) are dropped, and the rest is rewritten (temporary file, fsync, rename).
final class RevocationFile: RevocationJournal, @unchecked Sendable {
    static let header = "# mcp-gateway session revocations v1: <nonce hex> <expiry unix seconds>\n"

    let path: String
    private let fd: Int32
    private let dirty = Atomic<Bool>(false)
    private let timer: DispatchSourceTimer

    /// Loads and compacts the file (creating it when absent), then opens it for appending.
    static func open(path: String, now: Double) throws(ConfigError) -> (file: RevocationFile, loaded: [(nonce: [UInt8], expiry: Double)]) {
        var loaded: [(nonce: [UInt8], expiry: Double)] = []
        if let bytes = readAll(path) {
            for line in bytes.split(separator: UInt8(ascii: "\n")) {
                if let entry = parse(line), entry.expiry > now { loaded.append(entry) }
            }
        }
        var text = header
        for e in loaded { text += line(nonce: e.nonce, expiry: e.expiry) }
        let tmp = path + ".tmp"
        let out = Glibc.open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard out >= 0 else { throw failure(path, "cannot create \(tmp)") }
        let wrote = writeAll(out, Array(text.utf8)) && fsync(out) == 0
        close(out)
        guard wrote, rename(tmp, path) == 0 else { throw failure(path, "cannot write the compacted file") }
        syncDirectory(of: path)
        let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw failure(path, "cannot open for appending") }
        return (RevocationFile(path: path, fd: fd), loaded)
    }

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "revocations-sync"))
        timer.schedule(deadline: .now() + 1, repeating: 1)
        timer.setEventHandler { [weak self] in self?.sync() }
        timer.resume()
    }

    /// Called under `SessionRevocations`' lock, so appends never interleave. A failed or short
    /// write is cut back off, so the file never keeps half a line.
    func record(nonce: [UInt8], expiry: Double) throws(RevocationError) {
        var st = stat()
        let before = fstat(fd, &st) == 0 ? st.st_size : -1
        guard Self.writeAll(fd, Array(Self.line(nonce: nonce, expiry: expiry).utf8)) else {
            let why = String(cString: strerror(errno))
            if before >= 0 { _ = ftruncate(fd, before) }
            throw .notRecorded("\(path): \(why)")
        }
        dirty.store(true, ordering: .releasing)
    }

    /// Flushes what is pending (at shutdown).
    func sync() {
        if dirty.exchange(false, ordering: .acquiringAndReleasing) { _ = fdatasync(fd) }
    }

    static func line(nonce: [UInt8], expiry: Double) -> String {
        let hex = nonce.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        return "\(hex) \(Int(min(expiry, 1e15).rounded(.up)))\n"
    }

    static func parse(_ line: ArraySlice<UInt8>) -> (nonce: [UInt8], expiry: Double)? {
        let parts = line.split(separator: UInt8(ascii: " "))
        guard parts.count == 2, parts[0].count >= 2, parts[0].count % 2 == 0,
              let expiry = Int(String(decoding: parts[1], as: UTF8.self)) else { return nil }
        var nonce: [UInt8] = []
        let hex = Array(parts[0])
        for i in stride(from: 0, to: hex.count, by: 2) {
            guard let b = UInt8(String(decoding: hex[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            nonce.append(b)
        }
        return (nonce, Double(expiry))
    }

    private static func readAll(_ path: String) -> [UInt8]? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            out.append(contentsOf: buf[0..<n])
        }
        return out
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }

    private static func syncDirectory(of path: String) {
        let dir = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let fd = Glibc.open(dir.isEmpty ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { _ = fsync(fd); close(fd) }
    }

    private static func failure(_ path: String, _ what: String) -> ConfigError {
        ConfigError(field: "session.revocationsFile", "\(path): \(what): \(String(cString: strerror(errno)))")
    }
}
