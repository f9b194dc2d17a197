import Dispatch
import MCPGateway
import Synchronization
@testable import TokenAuth

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let time: Mutex<Double>
    init(_ start: Double = 1_000_000) { time = Mutex(start) }
    var now: Double { time.withLock { $0 } }
    func advance(_ seconds: Double) { time.withLock { $0 += seconds } }
    var read: @Sendable () -> Double { { self.now } }
}

/// A TokenReview stand-in: answers from `answer`, counts calls, and can hold every review until
/// the test releases it (to have concurrent callers pile up behind one review).
final class FakeReviewer: TokenReviewing, Sendable {
    private let answer: Mutex<TokenReviewResult>
    private let calls = Atomic<Int>(0)
    private let holding: Bool
    let entered = DispatchSemaphore(value: 0)
    let release = DispatchSemaphore(value: 0)

    init(_ answer: TokenReviewResult = .authenticated(username: "system:serviceaccount:team:bot", groups: ["g"], audiences: ["gw"]),
         holding: Bool = false) {
        self.answer = Mutex(answer)
        self.holding = holding
    }

    var count: Int { calls.load(ordering: .relaxed) }
    func answer(with result: TokenReviewResult) { answer.withLock { $0 = result } }

    func review(_ token: String) -> TokenReviewResult {
        calls.add(1, ordering: .relaxed)
        if holding {
            entered.signal()
            release.wait()
        }
        return answer.withLock { $0 }
    }
}

/// Runs `authenticate` and waits (bounded) for its answer.
func outcome(_ auth: Authenticator, _ token: String) -> AuthOutcome? {
    let box = Mutex<AuthOutcome?>(nil)
    let done = DispatchSemaphore(value: 0)
    auth.authenticate(token) { result in
        box.withLock { $0 = result }
        done.signal()
    }
    guard done.wait(timeout: .now() + 10) == .success else { return nil }
    return box.withLock { $0 }
}

/// An unsigned token-shaped string whose payload carries `exp` (the reviewer path reads it for
/// the cache lifetime only, never for trust).
func kubeToken(_ name: String, exp: Double? = nil) -> String {
    let payload = exp.map { "{\"sub\":\"\(name)\",\"exp\":\(Int($0))}" } ?? "{\"sub\":\"\(name)\"}"
    return b64(Array(#"{"alg":"RS256"}"#.utf8)) + "." + b64(Array(payload.utf8)) + ".sig-\(name)"
}
