import EnvoyProto
import ProtoWire

extension GoldenExpectations {
    static let accessLog: [String: GoldenExpectation] = [
        "access_log_stream_message": .init(StreamAccessLogsMessage(httpEntries: [
            HTTPAccessLogEntry(
                metadata: Metadata(filterMetadata: [
                    "mcp.gateway": ["server": "calculus", "tool": "calculus_add", "id": "7"],
                    "envoy.filters.http.ext_authz": ["sub": "alice"],
                ]),
                timeToLastDownstreamTxByte: ProtoDuration(seconds: 1, nanos: 250_000_000),
                responseFlags: {
                    var flags = AccessLogResponseFlags()
                    flags.noHealthyUpstream = true
                    flags.upstreamRequestTimeout = true
                    flags.upstreamConnectionFailure = true
                    flags.upstreamOverflow = true
                    flags.dnsResolutionFailure = true
                    return flags
                }(),
                requestID: "req-1", responseCode: 503),
            HTTPAccessLogEntry(metadata: nil, responseCode: 200),
        ])),
    ]
}
