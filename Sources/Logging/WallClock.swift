#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock timestamps for log and audit lines, formatted without Foundation's DateFormatter
/// (which is slow and takes locks on Linux).
public enum WallClock {
    public static func unixSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// `2026-11-25T17:56:45.123Z`
    public static func iso8601Now() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = ts.tv_sec
        var tmv = tm()
        gmtime_r(&t, &tmv)
        // Written digit by digit into one buffer: this runs for every log and audit line.
        var out = [UInt8](repeating: 0, count: 24)
        func put(_ v: Int, _ width: Int, at end: Int) {
            var v = v
            for i in stride(from: end - 1, through: end - width, by: -1) {
                out[i] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            }
        }
        put(Int(tmv.tm_year) + 1900, 4, at: 4); out[4] = UInt8(ascii: "-")
        put(Int(tmv.tm_mon) + 1, 2, at: 7); out[7] = UInt8(ascii: "-")
        put(Int(tmv.tm_mday), 2, at: 10); out[10] = UInt8(ascii: "T")
        put(Int(tmv.tm_hour), 2, at: 13); out[13] = UInt8(ascii: ":")
        put(Int(tmv.tm_min), 2, at: 16); out[16] = UInt8(ascii: ":")
        put(Int(tmv.tm_sec), 2, at: 19); out[19] = UInt8(ascii: ".")
        put(Int(ts.tv_nsec / 1_000_000), 3, at: 23); out[23] = UInt8(ascii: "Z")
        return String(decoding: out, as: UTF8.self)
    }
}
