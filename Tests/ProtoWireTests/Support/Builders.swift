import EnvoyProto
import ProtoWire

/// Terse builders for expectations, mirroring the helpers in make_golden.py.

/// UTF-8 bytes of a string literal.
func b(_ text: String) -> [UInt8] { Array(text.utf8) }

/// A header as Envoy's ext_proc sends it (value in `raw_value`).
func hv(_ key: String, _ raw: String) -> HeaderValue { HeaderValue(key: key, rawValue: b(raw)) }

/// `Any` wrapping a `google.protobuf.StringValue`.
func anyString(_ text: String) -> ProtoAny {
    ProtoAny(packing: ProtoStringValue(text), fullName: "google.protobuf.StringValue")
}

/// Bytes of a hand-written encoding, e.g. `wire("0a 00")`.
func wire(_ hex: String) -> [UInt8] { Hex.decode(hex) }
