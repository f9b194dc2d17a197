#if canImport(Glibc)
import Glibc
#endif

/// Whole-file reads for small local files (config, secrets, /proc), with stdio rather than
/// Foundation so callers on any thread pay no Foundation start-up or locking.
public enum FileSystem {
    public static func read(_ path: String) -> [UInt8]? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n > 0 { out.append(contentsOf: buf[0..<n]) }
            if n < buf.count { break }
        }
        return out
    }
}
