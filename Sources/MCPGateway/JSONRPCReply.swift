import JSONWire

/// Builds JSON-RPC reply bodies around the client's raw id bytes.
public enum JSONRPCReply {
    public static func result(id: ArraySlice<UInt8>?, _ writeResult: (inout JSONWriter) -> Void) -> [UInt8] {
        var w = JSONWriter(reservingCapacity: 512)
        w.beginObject()
        w.key("jsonrpc"); w.string("2.0")
        w.key("id")
        if let id { w.raw(id) } else { w.null() }
        w.key("result")
        writeResult(&w)
        w.endObject()
        return w.bytes
    }

    public static func error(id: ArraySlice<UInt8>?, _ error: JSONRPCError) -> [UInt8] {
        var w = JSONWriter(reservingCapacity: 256)
        w.beginObject()
        w.key("jsonrpc"); w.string("2.0")
        w.key("id")
        if let id { w.raw(id) } else { w.null() }
        w.key("error")
        w.beginObject()
        w.key("code"); w.number(error.code)
        w.key("message"); w.string(error.message)
        if let data = error.dataJSON { w.key("data"); w.raw(data) }
        w.endObject()
        w.endObject()
        return w.bytes
    }

    public static func errorReply(id: ArraySlice<UInt8>?, _ error: JSONRPCError, era: ProtocolEra) -> LocalReply {
        LocalReply(status: error.httpStatus(era: era), body: Self.error(id: id, error))
    }
}
