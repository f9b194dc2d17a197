import Logging

/// An h2c (prior knowledge) server: a `TCPServer` whose connections speak HTTP/2 via libnghttp2.
public enum HTTP2Server {
    public static func make(address: ListenAddress, group: EventLoopGroup, settings: HTTP2Settings = HTTP2Settings(),
                            logger: Logger, maxConnections: Int = Int.max, handler: HTTP2RequestHandler) -> TCPServer {
        TCPServer(address: address, group: group, logger: logger, maxConnections: maxConnections) { fd, loop, onClose in
            HTTP2Connection(fd: fd, loop: loop, handler: handler, settings: settings, logger: logger, onClose: { onClose($0) })
        }
    }
}
