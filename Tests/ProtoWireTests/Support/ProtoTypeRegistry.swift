import EnvoyProto
import ProtoWire

/// Maps protobuf full names to our Swift types, so golden cases and robustness tests can decode
/// by the `type` recorded in the JSON.
enum ProtoTypeRegistry {
    static let types: [String: any ProtoMessage.Type] = [
        "envoy.service.ext_proc.v3.ProcessingRequest": ProcessingRequest.self,
        "envoy.service.ext_proc.v3.ProcessingResponse": ProcessingResponse.self,
        "envoy.extensions.filters.http.ext_proc.v3.ProcessingMode": ProcessingMode.self,
        "envoy.service.auth.v3.CheckRequest": CheckRequest.self,
        "envoy.service.auth.v3.CheckResponse": CheckResponse.self,
        "envoy.config.core.v3.HeaderValueOption": HeaderValueOption.self,
        "envoy.config.core.v3.Metadata": Metadata.self,
        "envoy.service.accesslog.v3.StreamAccessLogsMessage": StreamAccessLogsMessage.self,
        "envoy.type.v3.HttpStatus": HttpStatus.self,
        "google.rpc.Status": RPCStatus.self,
        "grpc.health.v1.HealthCheckRequest": HealthCheckRequest.self,
        "grpc.health.v1.HealthCheckResponse": HealthCheckResponse.self,
        "google.protobuf.Struct": ProtoStruct.self,
        "google.protobuf.Value": ProtoValue.self,
        "google.protobuf.ListValue": ProtoListValue.self,
        "google.protobuf.Duration": ProtoDuration.self,
        "google.protobuf.Timestamp": ProtoTimestamp.self,
        "google.protobuf.Any": ProtoAny.self,
        "google.protobuf.BoolValue": ProtoBoolValue.self,
        "google.protobuf.UInt32Value": ProtoUInt32Value.self,
        "google.protobuf.UInt64Value": ProtoUInt64Value.self,
        "google.protobuf.StringValue": ProtoStringValue.self,
    ]

    static func name(of type: any ProtoMessage.Type) -> String? {
        types.first { ObjectIdentifier($0.value) == ObjectIdentifier(type) }?.key
    }

    /// Decodes `bytes` as the named type; the result is type-erased.
    static func decode(_ typeName: String, _ bytes: [UInt8], maxDepth: Int = ProtoReader.defaultMaxDepth)
        throws(ProtoDecodingError) -> any ProtoMessage
    {
        guard let type = types[typeName] else { preconditionFailure("unregistered type \(typeName)") }
        return try type.init(serializedBytes: bytes, maxDepth: maxDepth)
    }
}
