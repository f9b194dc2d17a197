import WorkPool

/// Where a tool call's shared rate-limit check (one Redis round trip) runs: off the event loop, so
/// the other ext_proc streams on that loop keep moving while it waits, on a fixed pool, so a burst
/// holds at most `threads` threads and Redis connections. Past `maxPending` checks waiting, a call
/// is refused at once (503, retry) rather than queued without bound.
enum RateLimitWorkers {
    static let shared = BlockingWorkPool(name: "rate-limit", threads: 4, maxPending: 4096)
}
