#if canImport(Glibc)
import Glibc
#endif

/// An absolute `http` or `https` URL, split into what a client needs: where to connect and
/// what to put on the request line.
///
/// Deliberately narrow: no userinfo, no IPv6 zone ids, no implicit percent-encoding. Backend
/// URLs come from configuration, so a clear error beats a guess.
public struct HTTPURL: Sendable, Hashable, CustomStringConvertible {
    public enum Scheme: String, Sendable, Hashable {
        case http, https

        public var defaultPort: UInt16 { self == .http ? 80 : 443 }
    }

    public var scheme: Scheme
    /// Lower-cased; an IPv6 literal is stored without its brackets.
    public var host: String
    public var port: UInt16
    /// Path and query, always starting with `/`; the fragment is dropped.
    public var target: String

    public init(scheme: Scheme, host: String, port: UInt16? = nil, target: String = "/") {
        self.scheme = scheme
        self.host = host.lowercased()
        self.port = port ?? scheme.defaultPort
        self.target = target.isEmpty ? "/" : target
    }

    public init(_ string: String) throws(HTTPClientError) {
        guard let sep = string.firstRange(of: "://") else { throw .invalidURL("missing scheme in \"\(string)\"") }
        guard let scheme = Scheme(rawValue: string[..<sep.lowerBound].lowercased()) else {
            throw .invalidURL("unsupported scheme in \"\(string)\" (only http and https)")
        }
        for byte in string.utf8 where byte <= 0x20 || byte >= 0x7F {
            throw .invalidURL("\"\(string)\" has a space, control or non-ASCII character; percent-encode it")
        }
        let rest = string[sep.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var target = String(rest[authorityEnd...])
        if let hash = target.firstIndex(of: "#") { target = String(target[..<hash]) }
        if target.isEmpty { target = "/" } else if target.hasPrefix("?") { target = "/" + target }

        if authority.contains("@") { throw .invalidURL("userinfo in \"\(string)\" is not supported") }
        var host: Substring
        var portText: Substring = ""
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .invalidURL("unclosed IPv6 literal in \"\(string)\"") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .invalidURL("junk after IPv6 literal in \"\(string)\"") }
                portText = after.dropFirst()
            }
            guard HTTPURL.isIPv6(String(host)) else { throw .invalidURL("bad IPv6 literal \"[\(host)]\"") }
        } else {
            host = authority
            if let colon = authority.firstIndex(of: ":") {
                host = authority[..<colon]
                portText = authority[authority.index(after: colon)...]
            }
            guard !host.isEmpty else { throw .invalidURL("empty host in \"\(string)\"") }
            for ch in host.utf8 {
                switch ch {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                     UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
                    continue
                default:
                    throw .invalidURL("bad character in host \"\(host)\"")
                }
            }
        }
        var port = scheme.defaultPort
        if !portText.isEmpty {
            guard portText.utf8.count <= 5, portText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let value = Int(portText), value >= 1, value <= 65535 else {
                throw .invalidURL("bad port \"\(portText)\" in \"\(string)\"")
            }
            port = UInt16(value)
        }
        self.init(scheme: scheme, host: String(host), port: port, target: target)
    }

    /// Whether `host` is an IP literal: such hosts get no SNI and are verified as IP SANs.
    public var hostIsIPAddress: Bool { HTTPURL.isIPAddress(host) }

    /// `host[:port]` as the Host header wants it: brackets around IPv6, port only if non-default.
    public var hostHeader: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return port == scheme.defaultPort ? h : "\(h):\(port)"
    }

    public var description: String { "\(scheme.rawValue)://\(hostHeader)\(target)" }

    static func isIPv6(_ text: String) -> Bool {
        var addr = in6_addr()
        return inet_pton(AF_INET6, text, &addr) == 1
    }

    static func isIPAddress(_ text: String) -> Bool {
        var addr = in_addr()
        return inet_pton(AF_INET, text, &addr) == 1 || isIPv6(text)
    }
}
