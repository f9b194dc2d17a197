@testable import EnvoyServices
import Testing

/// The ext_proc stream's state value, driven as Envoy drives it: STREAMED with the headers reply
/// held, BUFFERED (the headers reply first, the body in one message), a token review in between,
/// and every way a request ends early.
struct RequestProcessingTests {
    static func streamed(limit: Int = 100) -> RequestProcessing { RequestProcessing(delivery: .streamedHeld, maxBodyBytes: limit) }
    static func buffered(limit: Int = 100) -> RequestProcessing { RequestProcessing(delivery: .afterHeadersReply, maxBodyBytes: limit) }

    @Test func streamedBodyIsCollectedAcrossChunksAndDecidedAtEndOfStream() {
        var s = Self.streamed()
        #expect(s.headersReceived(endOfStream: false, needsAuthentication: false) == .route)
        #expect(s.routeNeedsBody() == .wait)
        #expect(s.bodyReceived(Array("{\"a\":".utf8), endOfStream: false) == .wait)
        // HTTP/1: the last data and the end of stream arrive as two messages, the second empty.
        #expect(s.bodyReceived(Array("1}".utf8), endOfStream: false) == .wait)
        #expect(s.bodyReceived([], endOfStream: true) == .decide)
        #expect(s.body == Array("{\"a\":1}".utf8))
        #expect(s.bodyChunks == 3)  // each is owed a reply
        #expect(!s.headersReplied)
        s.forwarded()
        #expect(s.phase == .forwarded && s.headersReplied)
        #expect(s.bodyReceived([1], endOfStream: true) == .passThrough)
    }

    @Test func bufferedRepliesToHeadersFirstThenTakesTheWholeBodyInOneMessage() {
        var s = Self.buffered()
        #expect(s.headersReceived(endOfStream: false, needsAuthentication: false) == .route)
        #expect(s.routeNeedsBody() == .replyToHeaders)
        #expect(s.headersReplied)
        #expect(s.bodyReceived(Array("{}".utf8), endOfStream: true) == .decide)
        #expect(s.body == Array("{}".utf8) && s.bodyChunks == 1)
    }

    @Test func aBodyPastTheLimitFinishesTheRequestOnceAndDropsTheRest() {
        var s = Self.streamed(limit: 4)
        _ = s.headersReceived(endOfStream: false, needsAuthentication: false)
        _ = s.routeNeedsBody()
        #expect(s.bodyReceived([1, 2, 3], endOfStream: false) == .wait)
        #expect(s.bodyReceived([4, 5], endOfStream: false) == .tooLarge)
        #expect(s.phase == .finished && s.body.isEmpty)
        #expect(s.bodyReceived([6], endOfStream: true) == .ignore)
    }

    @Test func bufferedBodyPastTheLimitIsRefusedToo() {
        var s = Self.buffered(limit: 2)
        _ = s.headersReceived(endOfStream: false, needsAuthentication: false)
        #expect(s.routeNeedsBody() == .replyToHeaders)
        #expect(s.bodyReceived([1, 2, 3], endOfStream: true) == .tooLarge)
    }

    @Test func chunksArrivingDuringTheTokenReviewWaitForIt() {
        var s = Self.streamed()
        #expect(s.headersReceived(endOfStream: false, needsAuthentication: true) == .authenticate)
        #expect(s.phase == .authenticating)
        #expect(s.bodyReceived(Array("{}".utf8), endOfStream: false) == .wait)
        #expect(s.bodyReceived([], endOfStream: true) == .wait)  // complete, but the caller is not settled
        let settled = s.identitySettled()
        #expect(settled)
        #expect(s.routeNeedsBody() == .decide)  // decided as soon as the review answers
    }

    @Test func theReviewAnsweringFirstWaitsForTheBody() {
        var s = Self.streamed()
        _ = s.headersReceived(endOfStream: false, needsAuthentication: true)
        let settled = s.identitySettled()
        #expect(settled)
        #expect(s.routeNeedsBody() == .wait)
        #expect(s.bodyReceived(Array("{}".utf8), endOfStream: true) == .decide)
    }

    @Test func aReviewAnsweringAfterTheRequestEndedIsDropped() {
        var s = Self.streamed(limit: 1)
        _ = s.headersReceived(endOfStream: false, needsAuthentication: true)
        #expect(s.bodyReceived([1, 2], endOfStream: true) == .tooLarge)
        let dropped = s.identitySettled()
        #expect(!dropped)
        var t = Self.streamed()
        _ = t.headersReceived(endOfStream: false, needsAuthentication: true)
        let first = t.identitySettled()
        let second = t.identitySettled()  // a second answer changes nothing
        #expect(first && !second)
    }

    @Test func outOfOrderMessagesAreReported() {
        var s = Self.streamed()
        #expect(s.bodyReceived([1], endOfStream: true) == .outOfOrder)
        _ = s.headersReceived(endOfStream: false, needsAuthentication: false)
        #expect(s.headersReceived(endOfStream: false, needsAuthentication: false) == .outOfOrder)
    }

    @Test func aPOSTWithoutBodyIsMissingItsBody() {
        var s = Self.buffered()
        _ = s.headersReceived(endOfStream: true, needsAuthentication: false)
        #expect(s.routeNeedsBody() == .missingBody)
        #expect(s.phase == .finished)
    }

    @Test func backgroundWorkMayActOnlyWhileDeciding() {
        var s = Self.streamed()
        _ = s.headersReceived(endOfStream: false, needsAuthentication: false)
        _ = s.routeNeedsBody()
        _ = s.bodyReceived([1], endOfStream: true)
        s.awaitWork()
        #expect(s.isDeciding)
        #expect(s.bodyReceived([2], endOfStream: true) == .ignore)
        s.finish()
        #expect(!s.isDeciding)
        s.awaitWork()  // a late completion cannot revive a finished request
        #expect(s.phase == .finished)
    }
}
