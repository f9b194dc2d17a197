import ProtoWire

// Flow-control messages that exist in the Envoy 1.40 descriptor (work in progress upstream, not
// sent in the body modes we use). Modelled so that they are not silently dropped if they appear.

extension ProcessingRequest {
    /// `ProcessingRequest.FlowControlInit` (field 12).
    public struct FlowControlInit: ProtoMessage, Hashable {
        public var initialWindowDownstreamToSidestream: Int64
        public var initialWindowSidestreamToUpstream: Int64
        public var initialWindowUpstreamToSidestream: Int64
        public var initialWindowSidestreamToDownstream: Int64

        public init() {
            self.init(initialWindowDownstreamToSidestream: 0, initialWindowSidestreamToUpstream: 0,
                      initialWindowUpstreamToSidestream: 0, initialWindowSidestreamToDownstream: 0)
        }

        public init(initialWindowDownstreamToSidestream: Int64, initialWindowSidestreamToUpstream: Int64,
                    initialWindowUpstreamToSidestream: Int64, initialWindowSidestreamToDownstream: Int64) {
            self.initialWindowDownstreamToSidestream = initialWindowDownstreamToSidestream
            self.initialWindowSidestreamToUpstream = initialWindowSidestreamToUpstream
            self.initialWindowUpstreamToSidestream = initialWindowUpstreamToSidestream
            self.initialWindowSidestreamToDownstream = initialWindowSidestreamToDownstream
        }

        public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
            while let field = try reader.nextField() {
                switch (field.number, field.wireType) {
                case (1, .varint): initialWindowDownstreamToSidestream = try reader.readInt64()
                case (2, .varint): initialWindowSidestreamToUpstream = try reader.readInt64()
                case (3, .varint): initialWindowUpstreamToSidestream = try reader.readInt64()
                case (4, .varint): initialWindowSidestreamToDownstream = try reader.readInt64()
                default: try reader.skip(field)
                }
            }
        }

        public func encode(to writer: inout ProtoWriter) {
            writer.writeInt64(initialWindowDownstreamToSidestream, field: 1)
            writer.writeInt64(initialWindowSidestreamToUpstream, field: 2)
            writer.writeInt64(initialWindowUpstreamToSidestream, field: 3)
            writer.writeInt64(initialWindowSidestreamToDownstream, field: 4)
        }
    }

    /// `ProcessingRequest.ClientWindowUpdate` (field 13).
    public struct ClientWindowUpdate: ProtoMessage, Hashable {
        public var windowIncrementSidestreamToUpstream: Int64
        public var windowIncrementSidestreamToDownstream: Int64

        public init() { self.init(windowIncrementSidestreamToUpstream: 0, windowIncrementSidestreamToDownstream: 0) }

        public init(windowIncrementSidestreamToUpstream: Int64, windowIncrementSidestreamToDownstream: Int64) {
            self.windowIncrementSidestreamToUpstream = windowIncrementSidestreamToUpstream
            self.windowIncrementSidestreamToDownstream = windowIncrementSidestreamToDownstream
        }

        public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
            while let field = try reader.nextField() {
                switch (field.number, field.wireType) {
                case (1, .varint): windowIncrementSidestreamToUpstream = try reader.readInt64()
                case (2, .varint): windowIncrementSidestreamToDownstream = try reader.readInt64()
                default: try reader.skip(field)
                }
            }
        }

        public func encode(to writer: inout ProtoWriter) {
            writer.writeInt64(windowIncrementSidestreamToUpstream, field: 1)
            writer.writeInt64(windowIncrementSidestreamToDownstream, field: 2)
        }
    }
}

extension ProcessingResponse {
    /// `ProcessingResponse.ServerWindowUpdate` (field 14).
    public struct ServerWindowUpdate: ProtoMessage, Hashable {
        public var windowIncrementDownstreamToSidestream: Int64
        public var windowIncrementUpstreamToSidestream: Int64

        public init() { self.init(windowIncrementDownstreamToSidestream: 0, windowIncrementUpstreamToSidestream: 0) }

        public init(windowIncrementDownstreamToSidestream: Int64, windowIncrementUpstreamToSidestream: Int64) {
            self.windowIncrementDownstreamToSidestream = windowIncrementDownstreamToSidestream
            self.windowIncrementUpstreamToSidestream = windowIncrementUpstreamToSidestream
        }

        public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
            while let field = try reader.nextField() {
                switch (field.number, field.wireType) {
                case (1, .varint): windowIncrementDownstreamToSidestream = try reader.readInt64()
                case (2, .varint): windowIncrementUpstreamToSidestream = try reader.readInt64()
                default: try reader.skip(field)
                }
            }
        }

        public func encode(to writer: inout ProtoWriter) {
            writer.writeInt64(windowIncrementDownstreamToSidestream, field: 1)
            writer.writeInt64(windowIncrementUpstreamToSidestream, field: 2)
        }
    }
}
