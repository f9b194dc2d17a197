#if canImport(Glibc)
import Glibc
#endif

/// Everything that can go wrong with an outbound HTTP call, as one closed set of cases so a
/// caller can decide what is worth retrying (timeouts, resets) and what is configuration
/// (bad URL, untrusted certificate) without parsing strings.
public enum HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL is not an absolute `http://` or `https://` URL this client can use.
    case invalidURL(String)
    /// The request cannot be put on the wire (a header with CR/LF, an unsupported header, ...).
    case invalidRequest(String)
    /// getaddrinfo failed for the host.
    case dnsFailed(host: String, reason: String)
    /// No address of the host accepted a TCP connection.
    case connectFailed(errno: Int32, description: String)
    /// The connect timeout or the overall deadline passed.
    case timeout
    /// TLS failed for a reason other than certificate verification (handshake, protocol, config).
    case tls(String)
    /// The server's certificate was not trusted; the reason is OpenSSL's verify error string.
    case certificateVerifyFailed(reason: String)
    /// The server sent something that is not HTTP/1.x.
    case malformedResponse(String)
    /// The response body is larger than the limit the caller set.
    case bodyTooLarge(limit: Int)
    /// `HTTPStreamHandle.cancel()` was called.
    case cancelled
    /// The server closed the connection before the response was complete.
    case closedEarly
    /// A read or write on an established connection failed (ECONNRESET, EPIPE, ...).
    case ioFailed(errno: Int32, description: String)

    public var description: String {
        switch self {
        case .invalidURL(let why): return "invalid URL: \(why)"
        case .invalidRequest(let why): return "invalid request: \(why)"
        case .dnsFailed(let host, let reason): return "cannot resolve \(host): \(reason)"
        case .connectFailed(_, let description): return "connect failed: \(description)"
        case .timeout: return "timed out"
        case .tls(let why): return "TLS: \(why)"
        case .certificateVerifyFailed(let reason): return "TLS: certificate verify failed: \(reason)"
        case .malformedResponse(let why): return "malformed response: \(why)"
        case .bodyTooLarge(let limit): return "response body exceeds \(limit) bytes"
        case .cancelled: return "cancelled"
        case .closedEarly: return "connection closed before the response was complete"
        case .ioFailed(_, let description): return "I/O failed: \(description)"
        }
    }

    static func io(_ call: String, _ code: Int32) -> HTTPClientError {
        .ioFailed(errno: code, description: "\(call): \(String(cString: strerror(code)))")
    }

    /// The peer dropped the connection (reset, or we wrote after it closed). On a pooled
    /// connection this is the signature of a server that closed it while it sat idle.
    var isConnectionLoss: Bool {
        if case .ioFailed(let code, _) = self { return code == ECONNRESET || code == EPIPE }
        return self == .closedEarly
    }
}
