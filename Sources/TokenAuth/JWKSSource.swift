import Dispatch
import Synchronization

/// The current JWKS, loaded at start and reloaded when a token names an unknown `kid` (key
/// rotation), at most once per `minRefreshInterval` so forged kids cannot hammer the issuer.
public final class JWKSSource: Sendable {
    private let fetch: @Sendable () throws -> [UInt8]
    private let minRefreshInterval: Double
    private let state = Mutex<(keys: JWKSet?, lastRefresh: Double, error: String?)>((nil, -1e9, nil))
    private let clock: @Sendable () -> Double

    public init(minRefreshInterval: Double = 10, clock: @escaping @Sendable () -> Double,
                fetch: @escaping @Sendable () throws -> [UInt8]) {
        self.fetch = fetch
        self.minRefreshInterval = minRefreshInterval
        self.clock = clock
    }

    public var keys: JWKSet? { state.withLock { $0.keys } }
    public var lastError: String? { state.withLock { $0.error } }

    /// Reloads now unless the last reload was too recent. Returns whether it reloaded.
    @discardableResult
    public func refresh(force: Bool = false) -> Bool {
        let now = clock()
        let due = state.withLock { s -> Bool in
            guard force || now - s.lastRefresh >= minRefreshInterval else { return false }
            s.lastRefresh = now
            return true
        }
        guard due else { return false }
        do {
            let set = try JWKSet(json: try fetch())
            state.withLock { $0.keys = set; $0.error = nil }
            return true
        } catch {
            state.withLock { $0.error = "\(error)" }
            return false
        }
    }
}
