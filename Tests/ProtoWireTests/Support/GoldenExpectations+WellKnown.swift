import EnvoyProto
import ProtoWire

extension GoldenExpectations {
    static let allKinds: ProtoStruct = [
        "null": nil, "num": -12.75, "str": "é", "t": true, "f": false, "empty": "",
        "list": [nil, 1e300, [[]], ["deep": ["deeper": [true]]]],
        "obj": [:],
    ]

    static let wellKnown: [String: GoldenExpectation] = [
        "struct_all_kinds": .init(allKinds),
        "value_null": .init(ProtoValue.null),
        "value_bool_false": .init(ProtoValue.bool(false)),
        "value_string_empty": .init(ProtoValue.string("")),
        "value_negative_zero": .init(ProtoValue.number(-0.0)),
        "value_empty_struct": .init(ProtoValue.struct(ProtoStruct())),
        "duration_negative": .init(ProtoDuration(seconds: -1, nanos: -500_000_000)),
        "timestamp": .init(ProtoTimestamp(seconds: 1_700_000_000, nanos: 1)),
        "any_duration": .init(ProtoAny(packing: ProtoDuration(seconds: 5), fullName: "google.protobuf.Duration")),
        "bool_value_true": .init(ProtoBoolValue(true)),
        "bool_value_false": .init(ProtoBoolValue(false)),
        "uint32_value_max": .init(ProtoUInt32Value(.max)),
        "uint64_value_max": .init(ProtoUInt64Value(.max)),
        "string_value_unicode": .init(ProtoStringValue("ünïcødé ✓")),
        "header_value_option_all_fields": .init(HeaderValueOption(
            header: HeaderValue(key: "k", value: "v", rawValue: b("r")), append: false,
            appendAction: .overwriteIfExists, keepEmptyValue: true)),
        "metadata_multi": .init(Metadata(
            filterMetadata: ["a": ["x": 1], "b": ["y": [1, 2]]],
            typedFilterMetadata: ["t": ProtoAny(packing: ProtoBoolValue(true), fullName: "google.protobuf.BoolValue")])),
        "http_status_418": .init(HttpStatus(code: 418)),
    ]
}
