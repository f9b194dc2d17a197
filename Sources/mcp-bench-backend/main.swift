#if canImport(Glibc)
import Glibc
#endif
import AdminHTTP
import HTTP2
import Logging

/// mcp-bench-backend: a fast MCP server (Streamable HTTP, JSON responses) for benchmarks, so the
/// backend is never the bottleneck. One process can serve several "servers" on several ports.
let usage = """
usage: mcp-bench-backend [options]
  --port N           listen on 127.0.0.1:N (repeatable)
  --ports A,B,...    listen on several ports; each port is its own MCP server (own name, same tools)
  --host ADDR        listen address                                [default 127.0.0.1]
  --threads N        event-loop threads                            [default 1]
  --tools N          tools per server                              [default 8]
  --name-prefix S    tool names are S0, S1, ...                    [default tool_]
  --server-name S    serverInfo name (":PORT" is appended when serving several ports) [default bench]
"""

struct Options {
    var ports: [UInt16] = []
    var host = "127.0.0.1"
    var threads = 1
    var toolCount = 8
    var namePrefix = "tool_"
    var serverName = "bench"

    static func parse(_ arguments: [String]) -> Options {
        var o = Options()
        var args = arguments[...]
        func value(_ flag: String) -> String {
            guard let v = args.popFirst() else { fail("flag \(flag) needs a value") }
            return v
        }
        while let flag = args.popFirst() {
            switch flag {
            case "--port":
                guard let p = UInt16(value(flag)) else { fail("bad --port") }
                o.ports.append(p)
            case "--ports":
                for part in value(flag).split(separator: ",") {
                    guard let p = UInt16(part) else { fail("bad --ports entry \(part)") }
                    o.ports.append(p)
                }
            case "--host": o.host = value(flag)
            case "--threads":
                guard let n = Int(value(flag)), n > 0, n <= 64 else { fail("bad --threads") }
                o.threads = n
            case "--tools":
                guard let n = Int(value(flag)), n >= 0, n <= 100_000 else { fail("bad --tools") }
                o.toolCount = n
            case "--name-prefix": o.namePrefix = value(flag)
            case "--server-name": o.serverName = value(flag)
            case "-h", "--help":
                say(usage)
                exit(0)
            default: fail("unknown flag \(flag)")
            }
        }
        if o.ports.isEmpty { fail("give at least one --port or --ports") }
        return o
    }
}

func fail(_ message: String) -> Never {
    let text = "mcp-bench-backend: \(message)\n\(usage)\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
    exit(2)
}

func say(_ line: String) {
    let text = line + "\n"
    _ = text.withCString { write(1, $0, strlen($0)) }
}

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))


signal(SIGPIPE, SIG_IGN)
LogSink.standardError.setMinimumLevel(.warning)
let logger = Logger(component: "bench-backend")
let sessions = SessionStore()
var servers: [TCPServer] = []
do {
    let group = try EventLoopGroup(threads: options.threads)
    for port in options.ports {
        let name = options.ports.count > 1 ? "\(options.serverName):\(port)" : options.serverName
        let mcp = BenchServer(serverName: name, toolCount: options.toolCount, namePrefix: options.namePrefix, sessions: sessions)
        let server = AdminServer.make(address: ListenAddress(host: options.host, port: port), group: group, logger: logger,
                                      handler: { mcp.handle($0) })
        try server.start()
        servers.append(server)
    }
} catch {
    fail("could not start: \(error)")
}
say("mcp-bench-backend listening on \(servers.map { "\(options.host):\($0.port)" }.joined(separator: ",")) threads=\(options.threads) tools=\(options.toolCount)")
// SIGTERM/SIGINT keep their default action (exit): nothing to drain in a benchmark backend.
while true { pause() }
