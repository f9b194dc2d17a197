import EnvoyProto
import GRPC
import Logging
import MCPGateway
import ProtoWire

/// `envoy.service.accesslog.v3.AccessLogService/StreamAccessLogs`: where forwarded calls end.
///
/// Forwarded requests skip the ext_proc response phase, so their outcome reaches the gateway
/// here, from Envoy's gRPC access logger (batched per worker): the `mcp.gateway` metadata
/// ext_proc recorded, the status and duration. Entries without that metadata (anything the
/// gateway answered itself, or other traffic) are ignored. Envoy expects no reply until it ends
/// the stream.
public struct AccessLogService: GRPCService {
    public let serviceName = "envoy.service.accesslog.v3.AccessLogService"
    let context: MCPProcessorContext

    public init(context: MCPProcessorContext) {
        self.context = context
    }

    public var methods: [String: GRPCMethod] {
        let context = self.context
        return ["StreamAccessLogs": .bidirectional { _ in AccessLogCallHandler(context: context) }]
    }
}

final class AccessLogCallHandler: GRPCCallHandler {
    let context: MCPProcessorContext

    init(context: MCPProcessorContext) {
        self.context = context
    }

    func received(message: [UInt8], call: GRPCServerCall) {
        do {
            try record(message)
        } catch {
            Logger(component: "access_log").warning("malformed StreamAccessLogsMessage", [("error", "\(error)"), ("bytes", String(message.count))])
            call.finish(GRPCStatus(.invalidArgument, "malformed StreamAccessLogsMessage: \(error)"))
        }
    }

    /// Reports the forwarded requests of one batch to the observer (apart from the gRPC call, so
    /// tests can feed it encoded batches).
    func record(_ message: [UInt8]) throws(ProtoDecodingError) {
        let batch = try StreamAccessLogsMessage(serializedBytes: message)
        for entry in batch.httpEntries {
            guard let ours = entry.strings(inNamespace: ForwardRecord.metadataNamespace),
                  let record = ForwardRecord(fields: { key in ours.last { $0.0 == key }?.1 }) else { continue }
            if record.endsBackendSession, !record.backendSession.isEmpty {
                context.endBackendSession(record.server, record.backendSession)
            }
            // The response phase already reported it.
            if ours.contains(where: { $0.0 == "counted" }) { continue }
            let status = Int(entry.responseCode ?? 0)
            let outcome = ForwardRecord.outcome(status: status, serverUnreachable: entry.responseFlags.serverUnreachable,
                                                timedOut: entry.responseFlags.upstreamRequestTimeout)
            // The identity ext_proc established when it authenticated the caller itself (in the record),
            // or ext_authz's.
            let caller = record.caller ?? CallerIdentity(metadata: entry.namespace(CallerIdentity.metadataNamespace))
            let seconds = entry.timeToLastDownstreamTxByte.map { Double($0.seconds) + Double($0.nanos) / 1e9 } ?? 0
            context.observer.forwarded(record, caller: caller, requestID: entry.requestID.isEmpty ? nil : entry.requestID,
                                       status: status, outcome: outcome, seconds: seconds)
            if status == 404, !record.backendSession.isEmpty, !record.clientSession.isEmpty {
                context.backendSessionRejected(record)
            }
        }
    }

    func clientEnded(call: GRPCServerCall) {
        call.respond([])  // StreamAccessLogsResponse has no fields
    }

    func cancelled(call: GRPCServerCall) {}
}
