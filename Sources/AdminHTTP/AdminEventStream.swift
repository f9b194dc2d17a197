import HTTP2

/// A streaming HTTP/1.1 response body (chunked), e.g. Server-Sent Events.
///
/// `send` and `close` work from any thread: they hop to the connection's loop. `onClose` runs
/// once when the stream ends from either side, so subscribers can unregister.
public final class AdminEventStream: @unchecked Sendable {
    public let loop: EventLoop
    weak var connection: AdminConnection?
    private var closeHandlers: [@Sendable () -> Void] = []
    private(set) var closed = false

    init(loop: EventLoop, connection: AdminConnection) {
        self.loop = loop
        self.connection = connection
    }

    public func send(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        loop.execute { [self] in
            guard !closed else { return }
            connection?.writeChunk(bytes)
        }
    }

    public func close() {
        loop.execute { [self] in
            guard !closed else { return }
            connection?.finishStream()
        }
    }

    /// Registers a handler for the end of the stream (runs on the loop thread).
    public func onClose(_ handler: @escaping @Sendable () -> Void) {
        loop.execute { [self] in
            if closed { handler() } else { closeHandlers.append(handler) }
        }
    }

    func markClosed() {
        guard !closed else { return }
        closed = true
        let handlers = closeHandlers
        closeHandlers.removeAll()
        for h in handlers { h() }
    }
}
