/// Where one ext_proc stream (one downstream HTTP request) stands, as a value.
///
/// The stream handler feeds it Envoy's messages and the completions of its own background work
/// (a token review, a gathered answer, a shared rate limit, a backend session) and does what each
/// step answers; the value alone says what may happen next, so an out-of-order message, a body
/// that grows past its limit or a completion that arrives after the request was answered is
/// decided here, and tested here, not by flags spread over the handler.
///
/// The flow: headers → (the caller's token under review) → the route by the head alone, or the
/// body → a decision → answered locally, or forwarded (and then, in configs that send them, the
/// response headers). Every path ends in `.finished` or `.forwarded`.
struct RequestProcessing: Sendable, Equatable {
    enum Phase: Sendable, Equatable {
        /// Nothing received yet.
        case awaitingHeaders
        /// Headers received; the caller's token is under review. Body chunks may arrive meanwhile
        /// (Envoy sends them without waiting) and are kept.
        case authenticating
        /// The caller is settled and the route depends on the body, which is not complete yet.
        case awaitingBody
        /// The decision waits on background work; nothing but its completion moves it on.
        case deciding
        /// Envoy was told where to send the request; only the response phase may follow.
        case forwarded
        /// Answered, refused or failed: whatever still arrives is ignored.
        case finished
    }

    /// How Envoy delivers the request body, from the stream's `protocol_config`.
    enum BodyDelivery: Sendable, Equatable {
        /// STREAMED + `send_body_without_waiting_for_header_response`: headers and chunks arrive
        /// without waiting, the headers reply is held until the body is complete (one round trip),
        /// and every chunk gets its reply after it.
        case streamedHeld
        /// BUFFERED (or STREAMED that waits for the headers reply): the headers reply goes out
        /// first, then the whole body arrives in one message and one reply carries the decision.
        case afterHeadersReply
    }

    private(set) var phase: Phase = .awaitingHeaders
    let delivery: BodyDelivery
    let maxBodyBytes: Int
    /// The request had no body (`end_of_stream` on the headers).
    private(set) var headersEndedStream = false
    private(set) var headersReplied = false
    private(set) var body: [UInt8] = []
    /// Body messages received, each of which is owed a reply when the body is forwarded.
    private(set) var bodyChunks = 0
    private(set) var bodyComplete = false

    init(delivery: BodyDelivery, maxBodyBytes: Int) {
        self.delivery = delivery
        self.maxBodyBytes = maxBodyBytes
    }

    // MARK: headers

    enum HeadersStep: Equatable {
        /// Review the caller's token; `identitySettled` follows when the review answers.
        case authenticate
        /// The caller is known (or anonymous is allowed): route.
        case route
        /// Headers twice, or after the body: end the stream with an error.
        case outOfOrder
    }

    mutating func headersReceived(endOfStream: Bool, needsAuthentication: Bool) -> HeadersStep {
        guard phase == .awaitingHeaders else { return .outOfOrder }
        headersEndedStream = endOfStream
        if needsAuthentication {
            phase = .authenticating
            return .authenticate
        }
        phase = .awaitingBody
        return .route
    }

    /// The token review answered. False when the request was meanwhile finished (its body grew
    /// too large): the answer is dropped.
    mutating func identitySettled() -> Bool {
        guard phase == .authenticating else { return false }
        phase = .awaitingBody
        return true
    }

    // MARK: body

    enum BodyNeed: Equatable {
        /// The request has no body, and the route needs one.
        case missingBody
        /// Send the headers reply now (dropping routing headers a client may have forged); the
        /// body follows in one message.
        case replyToHeaders
        /// Wait for the rest of the body.
        case wait
        /// The body is complete: decide.
        case decide
    }

    /// The route by the head alone found that the body decides.
    mutating func routeNeedsBody() -> BodyNeed {
        precondition(phase == .awaitingBody, "routeNeedsBody in \(phase)")
        if headersEndedStream { phase = .finished; return .missingBody }
        if delivery == .afterHeadersReply && !headersReplied {
            headersReplied = true
            return .replyToHeaders
        }
        return bodyComplete ? .decide : .wait
    }

    enum BodyStep: Equatable {
        case wait
        case decide
        /// Past `maxBodyBytes`: answer 413; the rest is ignored.
        case tooLarge
        /// Answered already: dropped.
        case ignore
        /// The request was routed by its head (an event stream) and Envoy streams its body on:
        /// passed through unchanged.
        case passThrough
        case outOfOrder
    }

    mutating func bodyReceived(_ chunk: [UInt8], endOfStream: Bool) -> BodyStep {
        switch phase {
        case .awaitingHeaders: return .outOfOrder
        case .forwarded: return .passThrough
        case .deciding, .finished: return .ignore
        case .authenticating, .awaitingBody: break
        }
        if bodyComplete { return .ignore }
        bodyChunks += 1
        if headersReplied {
            body = chunk  // one message holds the whole body
        } else {
            body += chunk
        }
        if body.count > maxBodyBytes {
            phase = .finished
            body = []
            return .tooLarge
        }
        guard endOfStream || headersReplied else { return .wait }
        bodyComplete = true
        return phase == .awaitingBody ? .decide : .wait
    }

    // MARK: decision

    /// The decision waits on background work.
    mutating func awaitWork() { if phase != .finished { phase = .deciding } }

    /// Whether a completion of background work may still act (the stream may have ended meanwhile).
    var isDeciding: Bool { phase == .deciding }

    /// Envoy routes the request with the reply about to be sent.
    mutating func forwarded() {
        headersReplied = true
        phase = .forwarded
    }

    /// Answered locally, refused, or failed.
    mutating func finish() { phase = .finished }
}
