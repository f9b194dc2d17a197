#if canImport(Glibc)
import Glibc
#endif
import HTTP2
import Testing

/// The listening socket is level-triggered: an accept error that means "try again now" while it
/// cannot succeed spins the loop. Out of descriptors must pause accepting, not look like EAGAIN.
struct AcceptErrorPolicyTests {
    @Test(arguments: [EMFILE, ENFILE, ENOBUFS, ENOMEM])
    func runningOutOfDescriptorsPausesAccepting(_ code: Int32) {
        #expect(AcceptErrorPolicy.action(forErrno: code) == .pause(seconds: AcceptErrorPolicy.pauseSeconds))
        #expect(AcceptErrorPolicy.pauseSeconds >= 0.05 && AcceptErrorPolicy.pauseSeconds <= 1)
    }

    @Test func anEmptyBacklogWaitsForTheNextEvent() {
        #expect(AcceptErrorPolicy.action(forErrno: EAGAIN) == .waitForEvent)
        #expect(AcceptErrorPolicy.action(forErrno: EWOULDBLOCK) == .waitForEvent)
    }

    @Test(arguments: [EINTR, ECONNABORTED, EPROTO])
    func aConnectionThatDiedBeforeAcceptMovesOnToTheNext(_ code: Int32) {
        #expect(AcceptErrorPolicy.action(forErrno: code) == .acceptNext)
    }
}
