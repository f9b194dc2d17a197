#if canImport(Glibc)
import Glibc
#endif

/// Every connection (from Envoy, probes, MCP servers) costs a descriptor, and the usual soft limit
/// (1024) is far below what the hard limit allows. Raising the soft limit to the hard one at start
/// moves the point where accept fails with EMFILE (after which the accept loops pause, see
/// `AcceptErrorPolicy`) well past normal load.
enum FileDescriptorLimit {
    /// Raises the soft RLIMIT_NOFILE to the hard limit; returns (before, after), nil if unchanged.
    static func raiseToHard() -> (before: UInt64, after: UInt64)? {
        var limit = rlimit()
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return nil }
        let before = UInt64(limit.rlim_cur)
        limit.rlim_cur = limit.rlim_max
        guard setrlimit(resource, &limit) == 0 else { return nil }
        return (before, UInt64(limit.rlim_max))
    }
}
