#if canImport(Glibc)
import Glibc
#endif
import CNghttp2
import Logging

/// One accepted HTTP/2 (h2c prior knowledge) connection, driven by libnghttp2 on one loop thread.
///
/// Reads go straight into `nghttp2_session_mem_recv`; writes are pulled with
/// `nghttp2_session_mem_send` into one buffer and written in as few syscalls as possible, once per
/// loop tick. A protocol error ends this connection only; a stream error ends that stream only.
final class HTTP2Connection: ServerConnection {
    let fd: Int32
    let loop: EventLoop
    let peer: String
    private let handler: HTTP2RequestHandler
    private let settings: HTTP2Settings
    private let logger: Logger
    private let onClose: (HTTP2Connection) -> Void
    private var session: OpaquePointer!
    private var streams: [Int32: HTTP2Stream] = [:]
    private var pendingWrite: [UInt8] = []
    private var pendingWriteOffset = 0
    private var flushScheduled = false
    private var writeInterest = false
    private var isClosed = false
    private var draining = false
    private var firstBytes: [UInt8] = []

    init(fd: Int32, loop: EventLoop, handler: HTTP2RequestHandler, settings: HTTP2Settings, logger: Logger,
         onClose: @escaping (HTTP2Connection) -> Void) {
        self.fd = fd
        self.loop = loop
        self.peer = Socket.peerName(fd)
        self.handler = handler
        self.settings = settings
        self.logger = logger
        self.onClose = onClose
        session = Self.makeSession(userData: Unmanaged.passUnretained(self).toOpaque())
        var iv = [
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue), value: settings.maxConcurrentStreams),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue), value: settings.initialStreamWindowSize),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_FRAME_SIZE.rawValue), value: settings.maxFrameSize),
        ]
        nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), &iv, iv.count)
        nghttp2_session_set_local_window_size(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0, settings.connectionWindowSize)
    }

    deinit {
        if let session { nghttp2_session_del(session) }
    }

    func start() throws {
        // The server preface (SETTINGS) waits for the client's first bytes: a client speaking
        // HTTP/1.1 by mistake then gets a clean HTTP/1.1 error instead of binary frames.
        try loop.register(fd: fd, handler: self)
        loop.schedule(after: settings.prefaceTimeoutSeconds) { [weak self] in
            guard let self, !self.isClosed, self.firstBytes.count < 24 else { return }
            self.close(reason: "no HTTP/2 preface within \(self.settings.prefaceTimeoutSeconds) s")
        }
        scheduleIdleCheck()
    }

    /// When the last stream ended (or the connection started), for the idle timeout.
    private var idleSince = MonotonicClock.now()

    private func scheduleIdleCheck() {
        loop.schedule(after: min(settings.idleTimeoutSeconds, 60)) { [weak self] in
            guard let self, !self.isClosed, !self.draining else { return }
            if self.streams.isEmpty && MonotonicClock.now() - self.idleSince >= self.settings.idleTimeoutSeconds {
                self.beginGracefulShutdown()
            } else {
                self.scheduleIdleCheck()
            }
        }
    }

    // MARK: FileDescriptorHandler

    func readable() {
        guard !isClosed else { return }
        let buffer = loop.readBuffer
        // Bounded reads per wake-up: one busy peer must not starve the loop's other connections.
        for _ in 0..<8 {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n > 0 {
                if firstBytes.count < 24 {
                    firstBytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<min(n, 24 - firstBytes.count)]))
                }
                let rv = nghttp2_session_mem_recv(session, buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), n)
                if rv < 0 {
                    protocolError(Int32(rv))
                    return
                }
                if n < buffer.count { break }
            } else if n == 0 {
                close(reason: nil)
                return
            } else {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { break }
                close(reason: "read failed: \(SystemError.call("read", errno))")
                return
            }
        }
        scheduleFlush()
    }

    func writable() {
        flush()
    }

    func hangup() {
        close(reason: nil)
    }

    // MARK: ServerConnection

    func beginGracefulShutdown() {
        guard !isClosed, !draining else { return }
        draining = true
        nghttp2_submit_shutdown_notice(session)
        scheduleFlush()
        loop.schedule(after: settings.goawayGraceSeconds) { [weak self] in
            guard let self, !self.isClosed else { return }
            nghttp2_submit_goaway(self.session, UInt8(NGHTTP2_FLAG_NONE.rawValue),
                                  nghttp2_session_get_last_proc_stream_id(self.session),
                                  NGHTTP2_NO_ERROR.rawValue, nil, 0)
            self.scheduleFlush()
        }
    }

    func forceClose() {
        close(reason: nil)
    }

    // MARK: output

    func scheduleFlush() {
        guard !flushScheduled, !isClosed else { return }
        flushScheduled = true
        loop.atEndOfTick { [weak self] in
            guard let self else { return }
            self.flushScheduled = false
            self.flush()
        }
    }

    private func flush() {
        guard !isClosed else { return }
        if !drainPendingWrite() { return }
        while true {
            var chunk: UnsafePointer<UInt8>?
            let n = nghttp2_session_mem_send(session, &chunk)
            if n < 0 {
                close(reason: "HTTP/2 send failed: \(String(cString: nghttp2_strerror(Int32(n))))")
                return
            }
            if n == 0 { break }
            pendingWrite.append(contentsOf: UnsafeBufferPointer(start: chunk, count: n))
            if pendingWrite.count - pendingWriteOffset >= 256 * 1024 {
                if !drainPendingWrite() { return }
            }
        }
        if !drainPendingWrite() { return }
        if nghttp2_session_want_read(session) == 0 && nghttp2_session_want_write(session) == 0 {
            close(reason: nil)
        }
    }

    /// Writes what is buffered; false if the socket is full (EPOLLOUT armed) or the connection closed.
    private func drainPendingWrite() -> Bool {
        while pendingWriteOffset < pendingWrite.count {
            let n = pendingWrite.withUnsafeBytes { buf in
                send(fd, buf.baseAddress! + pendingWriteOffset, buf.count - pendingWriteOffset, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                pendingWriteOffset += n
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                setWriteInterest(true)
                return false
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                close(reason: nil)
                return false
            }
        }
        pendingWrite.removeAll(keepingCapacity: pendingWrite.capacity <= 1 << 20)
        pendingWriteOffset = 0
        setWriteInterest(false)
        return true
    }

    private func setWriteInterest(_ on: Bool) {
        guard on != writeInterest, !isClosed else { return }
        writeInterest = on
        loop.modify(fd: fd, readable: true, writable: on)
    }

    // MARK: stream operations (loop thread, called by HTTP2Stream)

    func submitResponse(_ stream: HTTP2Stream, headers: [HeaderField], withBody: Bool) {
        let rv: Int32 = withNameValuePairs(headers) { nva, count in
            if withBody {
                var provider = nghttp2_data_provider()
                provider.read_callback = { session, streamID, buf, length, flags, _, _ in
                    HTTP2Connection.readBody(session: session, streamID: streamID, buf: buf, length: length, flags: flags)
                }
                return nghttp2_submit_response(session, stream.id, nva, count, &provider)
            }
            return nghttp2_submit_response(session, stream.id, nva, count, nil)
        }
        if rv != 0 {
            logger.debug("submit_response failed", [("peer", peer), ("error", String(cString: nghttp2_strerror(rv)))])
        }
        scheduleFlush()
    }

    func resume(_ stream: HTTP2Stream) {
        if stream.dataDeferred {
            stream.dataDeferred = false
            nghttp2_session_resume_data(session, stream.id)
        }
        scheduleFlush()
    }

    func resetStream(_ stream: HTTP2Stream, errorCode: UInt32) {
        nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), stream.id, errorCode)
        scheduleFlush()
    }

    /// The data source for every response body: drains the stream's queue and defers when it
    /// is empty. Trailers ride with the last bytes (DATA without END_STREAM, then HEADERS with
    /// END_STREAM) and never after an empty DATA frame: Envoy counts consecutive empty DATA
    /// frames as a flood (`max_inbound_frames_with_empty_payload`, default 1) and drops the whole
    /// connection. With nothing left to send, the trailers go out while the data stays deferred.
    private static func readBody(session: OpaquePointer?, streamID: Int32, buf: UnsafeMutablePointer<UInt8>?, length: Int,
                                 flags: UnsafeMutablePointer<UInt32>?) -> Int {
        guard let raw = nghttp2_session_get_stream_user_data(session, streamID) else {
            return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue)
        }
        let stream = Unmanaged<HTTP2Stream>.fromOpaque(raw).takeUnretainedValue()
        let available = stream.outbound.count - stream.outboundOffset
        if available > 0 {
            let n = min(available, length)
            stream.outbound.withUnsafeBufferPointer { src in
                buf!.update(from: src.baseAddress! + stream.outboundOffset, count: n)
            }
            stream.outboundOffset += n
            if stream.outboundOffset == stream.outbound.count {
                stream.outbound.removeAll(keepingCapacity: stream.outbound.capacity <= 64 * 1024)
                stream.outboundOffset = 0
                if let trailers = stream.trailers {
                    flags!.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue | NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue
                    stream.trailers = nil
                    if submitTrailers(session, streamID, trailers) != 0 { return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue) }
                }
            }
            return n
        }
        if let trailers = stream.trailers {
            stream.trailers = nil
            if submitTrailers(session, streamID, trailers) != 0 { return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue) }
        }
        stream.dataDeferred = true
        return Int(NGHTTP2_ERR_DEFERRED.rawValue)
    }

    private static func submitTrailers(_ session: OpaquePointer?, _ streamID: Int32, _ trailers: [HeaderField]) -> Int32 {
        withNameValuePairs(trailers) { nva, count in nghttp2_submit_trailer(session, streamID, nva, count) }
    }

    // MARK: inbound callbacks

    fileprivate func beginHeaders(streamID: Int32) {
        let stream = HTTP2Stream(id: streamID, connection: self)
        streams[streamID] = stream
        nghttp2_session_set_stream_user_data(session, streamID, Unmanaged.passUnretained(stream).toOpaque())
    }

    fileprivate func header(streamID: Int32, name: String, value: String) {
        streams[streamID]?.appendRequestHeader(name: name, value: value)
    }

    fileprivate func headersComplete(streamID: Int32, endStream: Bool) {
        guard let stream = streams[streamID] else { return }
        if stream.delegate == nil && !stream.responseStarted {
            stream.delegate = handler.open(stream: stream)
        }
        if endStream { ended(stream) }
    }

    fileprivate func dataChunk(streamID: Int32, bytes: UnsafeRawBufferPointer) {
        guard let stream = streams[streamID], let delegate = stream.delegate else { return }
        delegate.stream(stream, received: bytes)
    }

    fileprivate func dataEnded(streamID: Int32) {
        guard let stream = streams[streamID] else { return }
        ended(stream)
    }

    private func ended(_ stream: HTTP2Stream) {
        guard !stream.clientEnded else { return }
        stream.markClientEnded()
        stream.delegate?.streamEnded(stream)
    }

    fileprivate func streamClosed(streamID: Int32, errorCode: UInt32) {
        guard let stream = streams.removeValue(forKey: streamID) else { return }
        if streams.isEmpty { idleSince = MonotonicClock.now() }
        nghttp2_session_set_stream_user_data(session, streamID, nil)
        stream.markClosed()
        stream.delegate?.streamClosed(stream, errorCode: errorCode)
        stream.delegate = nil
    }

    // MARK: errors and closing

    private func protocolError(_ code: Int32) {
        if code == NGHTTP2_ERR_BAD_CLIENT_MAGIC.rawValue {
            if looksLikeHTTP1(firstBytes) {
                logger.warning("rejected peer: HTTP/1.x request on the gRPC port (it speaks HTTP/2 cleartext with prior knowledge)",
                               [("peer", peer)])
                let reply = "HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\nconnection: close\r\ncontent-length: 58\r\n\r\nthis port speaks gRPC over HTTP/2 (h2c, prior knowledge)\n"
                pendingWrite.append(contentsOf: reply.utf8)
                _ = drainPendingWrite()
            } else {
                logger.warning("rejected peer: not an HTTP/2 connection preface", [("peer", peer)])
            }
            close(reason: nil)
            return
        }
        logger.warning("closing connection: HTTP/2 protocol error", [("peer", peer), ("error", String(cString: nghttp2_strerror(code)))])
        // Best effort: let nghttp2 emit its GOAWAY before we go.
        var chunk: UnsafePointer<UInt8>?
        while case let n = nghttp2_session_mem_send(session, &chunk), n > 0 {
            pendingWrite.append(contentsOf: UnsafeBufferPointer(start: chunk, count: n))
        }
        _ = drainPendingWrite()
        close(reason: nil)
    }

    private func looksLikeHTTP1(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        return ["GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT "].contains { text.hasPrefix($0) }
    }

    private func close(reason: String?) {
        guard !isClosed else { return }
        isClosed = true
        if let reason { logger.warning("closing connection", [("peer", peer), ("reason", reason)]) }
        loop.deregister(fd: fd)
        Glibc.close(fd)
        let open = streams
        streams.removeAll()
        for (id, stream) in open {
            nghttp2_session_set_stream_user_data(session, id, nil)
            stream.markClosed()
            stream.delegate?.streamClosed(stream, errorCode: NGHTTP2_CANCEL.rawValue)
            stream.delegate = nil
        }
        onClose(self)
    }

    // MARK: nghttp2 session set-up

    private static func connection(_ userData: UnsafeMutableRawPointer?) -> HTTP2Connection {
        Unmanaged<HTTP2Connection>.fromOpaque(userData!).takeUnretainedValue()
    }

    private static func makeSession(userData: UnsafeMutableRawPointer) -> OpaquePointer {
        var callbacks: OpaquePointer?
        nghttp2_session_callbacks_new(&callbacks)
        defer { nghttp2_session_callbacks_del(callbacks) }

        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks) { _, frame, user in
            guard let frame, frame.pointee.hd.type == UInt8(NGHTTP2_HEADERS.rawValue),
                  frame.pointee.headers.cat == NGHTTP2_HCAT_REQUEST else { return 0 }
            HTTP2Connection.connection(user).beginHeaders(streamID: frame.pointee.hd.stream_id)
            return 0
        }
        nghttp2_session_callbacks_set_on_header_callback(callbacks) { _, frame, name, namelen, value, valuelen, _, user in
            guard let frame, frame.pointee.headers.cat == NGHTTP2_HCAT_REQUEST else { return 0 }
            let n = String(decoding: UnsafeBufferPointer(start: name, count: namelen), as: UTF8.self)
            let v = String(decoding: UnsafeBufferPointer(start: value, count: valuelen), as: UTF8.self)
            HTTP2Connection.connection(user).header(streamID: frame.pointee.hd.stream_id, name: n, value: v)
            return 0
        }
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks) { _, frame, user in
            guard let frame else { return 0 }
            let conn = HTTP2Connection.connection(user)
            let endStream = frame.pointee.hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
            switch UInt32(frame.pointee.hd.type) {
            case NGHTTP2_HEADERS.rawValue:
                conn.headersComplete(streamID: frame.pointee.hd.stream_id, endStream: endStream)
            case NGHTTP2_DATA.rawValue:
                if endStream { conn.dataEnded(streamID: frame.pointee.hd.stream_id) }
            default:
                break
            }
            return 0
        }
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks) { _, _, streamID, data, len, user in
            HTTP2Connection.connection(user).dataChunk(streamID: streamID, bytes: UnsafeRawBufferPointer(start: data, count: len))
            return 0
        }
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks) { _, streamID, errorCode, user in
            HTTP2Connection.connection(user).streamClosed(streamID: streamID, errorCode: errorCode)
            return 0
        }

        // Envoy ends every ext_proc stream with RST_STREAM(CANCEL): that is its normal close, one
        // per proxied request. libnghttp2's rapid-reset defence (33/s after a burst of 1000)
        // would answer real traffic with GOAWAY and drop every in-flight request on the
        // connection, so the limit is raised far above any request rate Envoy can produce.
        var option: OpaquePointer?
        nghttp2_option_new(&option)
        defer { nghttp2_option_del(option) }
        nghttp2_option_set_stream_reset_rate_limit(option, 10_000_000, 10_000_000)
        // Closed streams are kept only for the priority tree, which gRPC never uses; without this
        // each connection holds up to max-concurrent-streams of them (tens of MB under load).
        nghttp2_option_set_no_closed_streams(option, 1)

        var session: OpaquePointer?
        nghttp2_session_server_new2(&session, callbacks, userData, option)
        return session!
    }
}
