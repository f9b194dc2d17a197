import HTTP2

/// A gRPC status: the code and message that end every call, sent in the trailers.
public struct GRPCStatus: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String = "") {
        self.code = code
        self.message = message
    }

    public static let ok = GRPCStatus(.ok)

    public var description: String { message.isEmpty ? "\(code)" : "\(code): \(message)" }

    /// The canonical codes (grpc/grpc doc/statuscodes.md).
    public enum Code: Int, Sendable, CaseIterable {
        case ok = 0, cancelled, unknown, invalidArgument, deadlineExceeded, notFound, alreadyExists,
             permissionDenied, resourceExhausted, failedPrecondition, aborted, outOfRange, unimplemented,
             `internal`, unavailable, dataLoss, unauthenticated
    }

    /// Trailer fields: `grpc-status` always, `grpc-message` percent-encoded when there is one.
    var trailerFields: [HeaderField] {
        var fields = [HeaderField("grpc-status", String(code.rawValue))]
        if !message.isEmpty { fields.append(HeaderField("grpc-message", Self.percentEncode(message))) }
        return fields
    }

    /// gRPC's grpc-message encoding: bytes outside 0x20...0x7E, and '%', become %XX.
    static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            if byte >= 0x20 && byte <= 0x7E && byte != UInt8(ascii: "%") {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
