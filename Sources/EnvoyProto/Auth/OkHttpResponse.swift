import ProtoWire

/// `envoy.service.auth.v3.OkHttpResponse`: mutations applied when the request is allowed.
///
/// Field 3 (`dynamic_metadata`) is deprecated and skipped on decode; use
/// `CheckResponse.dynamicMetadata`.
public struct OkHttpResponse: ProtoMessage, Hashable {
    /// Upstream request headers; ext_authz reads `value` (use `authzOverwrite`).
    public var headers: [HeaderValueOption]
    /// Pseudo-headers and `host` are ignored.
    public var headersToRemove: [String]
    /// Added to the downstream response on success.
    public var responseHeadersToAdd: [HeaderValueOption]
    public var queryParametersToSet: [QueryParameter]
    public var queryParametersToRemove: [String]

    public init() { self.init(headers: []) }

    public init(headers: [HeaderValueOption], headersToRemove: [String] = [],
                responseHeadersToAdd: [HeaderValueOption] = [], queryParametersToSet: [QueryParameter] = [],
                queryParametersToRemove: [String] = []) {
        self.headers = headers
        self.headersToRemove = headersToRemove
        self.responseHeadersToAdd = responseHeadersToAdd
        self.queryParametersToSet = queryParametersToSet
        self.queryParametersToRemove = queryParametersToRemove
    }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (2, .lengthDelimited): headers.append(try reader.readMessage(HeaderValueOption.self, depth: depth))
            case (5, .lengthDelimited): headersToRemove.append(try reader.readString())
            case (6, .lengthDelimited):
                responseHeadersToAdd.append(try reader.readMessage(HeaderValueOption.self, depth: depth))
            case (7, .lengthDelimited):
                queryParametersToSet.append(try reader.readMessage(QueryParameter.self, depth: depth))
            case (8, .lengthDelimited): queryParametersToRemove.append(try reader.readString())
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeRepeatedMessage(headers, field: 2)
        writer.writeRepeatedString(headersToRemove, field: 5)
        writer.writeRepeatedMessage(responseHeadersToAdd, field: 6)
        writer.writeRepeatedMessage(queryParametersToSet, field: 7)
        writer.writeRepeatedString(queryParametersToRemove, field: 8)
    }
}
