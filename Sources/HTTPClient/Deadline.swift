#if canImport(Glibc)
import Glibc
#endif

/// A point on the monotonic clock by which an operation must finish.
///
/// Monotonic so that wall-clock steps (NTP, a VM resuming) neither stretch nor cut a timeout.
struct Deadline: Sendable, Comparable {
    /// CLOCK_MONOTONIC nanoseconds; `UInt64.max` means never.
    let nanoseconds: UInt64

    static let never = Deadline(nanoseconds: .max)

    static func now() -> Deadline {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Deadline(nanoseconds: UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec))
    }

    static func after(seconds: Double) -> Deadline {
        let now = Deadline.now().nanoseconds
        guard seconds > 0 else { return Deadline(nanoseconds: now) }
        guard seconds < 1e9 else { return .never }
        return Deadline(nanoseconds: now + UInt64(seconds * 1e9))
    }

    var hasPassed: Bool { self != .never && Deadline.now() >= self }

    var remainingNanoseconds: UInt64 {
        if self == .never { return .max }
        let now = Deadline.now().nanoseconds
        return nanoseconds > now ? nanoseconds - now : 0
    }

    /// The poll(2) timeout: -1 for never, else the remaining milliseconds rounded up so a wait
    /// never wakes just before the deadline and spins.
    var pollTimeout: Int32 {
        if self == .never { return -1 }
        let ms = (remainingNanoseconds + 999_999) / 1_000_000
        return Int32(min(ms, UInt64(Int32.max)))
    }

    static func < (a: Deadline, b: Deadline) -> Bool { a.nanoseconds < b.nanoseconds }
}
