import MCPGateway
import ProtoWire

/// The identity travels from ext_authz to ext_proc as Envoy dynamic metadata (namespace
/// `envoy.filters.http.ext_authz`): only ext_authz can write it, so a client cannot forge it the
/// way it could forge a header.
extension CallerIdentity {
    var metadata: ProtoStruct {
        var fields: [String: ProtoValue] = [
            "subject": .string(subject),
            "groups": .list(ProtoListValue(values: groups.map { .string($0) })),
            "method": .string(method),
            "digest": .string(digest),
        ]
        if let serviceAccount { fields["serviceAccount"] = .string(serviceAccount) }
        return ProtoStruct(fields: fields)
    }

    init?(metadata: ProtoStruct?) {
        guard let m = metadata, let subject = m["subject"]?.stringValue, let method = m["method"]?.stringValue else { return nil }
        let groups = m["groups"]?.listValue?.values.compactMap(\.stringValue) ?? []
        self.init(subject: subject, groups: groups, serviceAccount: m["serviceAccount"]?.stringValue, method: method)
    }
}
