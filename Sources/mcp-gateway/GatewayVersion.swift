/// The version reported by `--version`, the `x-mcp-gateway` header and build-info metrics.
enum GatewayVersion {
    static let current = "0.1.0"
}
