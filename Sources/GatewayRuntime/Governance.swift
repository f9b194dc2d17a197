import EnvoyServices
import Logging
import MCPGateway
import Synchronization
import TokenAuth

/// Rate limits, metrics and the audit trail, behind the processor's observer hooks.
struct Governance: MCPRequestObserver, AuthObserver {
    /// What a reload may change: the audit trail (destination, argument names) and the session
    /// lifetime the session gauge counts with.
    struct Settings: Sendable {
        var audit: AuditTrail
        var sessionTTL: Double
    }

    /// Swapped whole by a reload; a writer holding the previous trail finishes its line before
    /// the replaced file is closed (the sink closes when its last reference goes).
    final class LiveSettings: Sendable {
        let current: Mutex<Settings>
        init(_ settings: Settings) { current = Mutex(settings) }
    }

    let metrics: GatewayMetrics
    let settings: LiveSettings
    var audit: AuditTrail { settings.current.withLock { $0.audit } }
    var sessionTTL: Double { settings.current.withLock { $0.sessionTTL } }
    /// Slots for every (result, reason) pair ext_authz can report, resolved once.
    let authSlots: [String: Int]

    init(metrics: GatewayMetrics, audit: AuditTrail, sessionTTL: Double) {
        self.metrics = metrics
        self.settings = LiveSettings(Settings(audit: audit, sessionTTL: sessionTTL))
        var slots: [String: Int] = [:]
        let reasons = ["deny": ["missing_token", "forbidden", "malformed", "algorithm", "unknown_key", "invalid_key", "signature",
                                "expired", "not_yet_valid", "issuer", "audience", "claims", "rejected", "config", "other"],
                       "allow": ["jwt", "kubernetes", "other"], "error": ["reviewer_unavailable", "other"]]
        for (result, list) in reasons { for r in list { slots["\(result)/\(r)"] = metrics.authDecisions.slot([result, r]) } }
        authSlots = slots
    }

    func answeredLocally(_ reply: LocalReply, caller: CallerIdentity?, session: ClientSession?, requestID: String?) {
        metrics.extProcStreams.add(slot: 0)
        metrics.countRequest(method: reply.rpcMethod ?? "other", ok: reply.status < 400 && reply.refusal == nil)
        if let s = reply.newSession { metrics.sessionOpened(s, ttl: sessionTTL) }
        if let s = reply.endedSession { metrics.sessionEnded(s) }
        if let tool = reply.refusedTool, let why = reply.refusal {
            audit.record(tool: tool, server: "", caller: caller, sessionRef: session?.auditReference ?? "", requestID: requestID, outcome: why,
                         status: reply.status, seconds: 0)
        }
    }

    func forwarded(_ record: ForwardRecord, caller: CallerIdentity?, requestID: String?, status: Int, outcome: String, seconds: Double) {
        metrics.countRequest(method: record.rpcMethod, ok: outcome == "ok")
        guard record.rpcMethod == "tools/call" else { return }
        metrics.countToolCall(slot: record.metricsSlot, outcome: outcome, seconds: seconds)
        audit.record(tool: record.tool, server: record.server, caller: caller, sessionRef: record.sessionRef, requestID: requestID,
                     outcome: outcome, status: status, seconds: seconds, argumentNames: record.argumentNames)
    }

    func forwarding(_ plan: ForwardPlan) {
        metrics.extProcStreams.add(slot: 1)
    }

    func rateLimited(_ plan: ForwardPlan, caller: CallerIdentity?, requestID: String?) {
        metrics.rateLimited.add(slot: metrics.rateLimited.slot([plan.server.name]))
        metrics.countToolCall(slot: plan.metricsSlot, outcome: "rate_limited", seconds: nil)
        metrics.countRequest(method: plan.rpcMethod, ok: false)
        audit.record(tool: plan.publicName, server: plan.server.name, caller: caller, sessionRef: plan.clientSession?.auditReference ?? "", requestID: requestID,
                     outcome: "rate_limited", status: 429, seconds: 0)
    }

    func decided(result: String, reason: String) {
        metrics.extAuthzChecks.add()
        metrics.authDecisions.add(slot: authSlots["\(result)/\(reason)"] ?? authSlots["\(result)/other"] ?? -1)
    }
}
