import HTTPHeaderText
import ProtoWire

/// Constructors encoding what each Envoy filter honours (protocol-facts §3.6 / §5.2):
///
/// - ext_proc reads `raw_value` and only the deprecated `append` flag. Setting only `value` makes
///   Envoy set an empty header; `append_action` is ignored. We still set
///   `OVERWRITE_IF_EXISTS_OR_ADD` on overwrites so the message means the same thing to a reader
///   that does consult it.
/// - ext_authz reads `value` and, when `append` is absent, `append_action`, whose default (0)
///   *adds a duplicate*. Overwrites must therefore say `OVERWRITE_IF_EXISTS_OR_ADD` explicitly.
///
/// Every constructor taking text passes the value through `HeaderText.value`: header values are
/// often built from what a client sent (a token's `alg` in a 401), and a CR/LF there would split
/// the response Envoy writes. The `rawValue` ones take bytes as they are, for callers that built them.
extension HeaderValueOption {
    /// ext_proc: replace the header (or add it if missing).
    public static func overwrite(key: String, rawValue: [UInt8]) -> HeaderValueOption {
        HeaderValueOption(header: HeaderValue(key: key, rawValue: rawValue), append: nil,
                          appendAction: .overwriteIfExistsOrAdd)
    }

    /// ext_proc: replace the header with UTF-8 text (still sent as `raw_value`).
    public static func overwrite(key: String, value: String) -> HeaderValueOption {
        overwrite(key: key, rawValue: HeaderText.bytes(value))
    }

    /// ext_proc: add another value for the header, keeping existing ones.
    public static func append(key: String, rawValue: [UInt8]) -> HeaderValueOption {
        HeaderValueOption(header: HeaderValue(key: key, rawValue: rawValue), append: true)
    }

    /// ext_authz: replace the header (or add it if missing).
    public static func authzOverwrite(key: String, value: String) -> HeaderValueOption {
        HeaderValueOption(header: HeaderValue(key: key, value: HeaderText.value(value)), appendAction: .overwriteIfExistsOrAdd)
    }

    /// ext_authz: add another value for the header, keeping existing ones.
    public static func authzAdd(key: String, value: String) -> HeaderValueOption {
        HeaderValueOption(header: HeaderValue(key: key, value: HeaderText.value(value)), appendAction: .appendIfExistsOrAdd)
    }

    /// ext_authz: set the header only if it is not present yet.
    public static func authzAddIfAbsent(key: String, value: String) -> HeaderValueOption {
        HeaderValueOption(header: HeaderValue(key: key, value: HeaderText.value(value)), appendAction: .addIfAbsent)
    }
}
