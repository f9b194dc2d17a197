#if canImport(Glibc)
import Glibc
#endif
import GatewayRuntime
import Logging

// Before any thread exists: TERM/INT/HUP are then only ever received by `sigwait`.
ProcessSignals.blockInAllThreads()

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--help") || arguments.contains("-h") {
    print(GatewayOptions.usage)
    exit(0)
}
if arguments.contains("--version") {
    print("mcp-gateway \(GatewayVersion.current)")
    exit(0)
}

let options: GatewayOptions
do {
    options = try GatewayOptions.parse(arguments)
} catch {
    FileHandleWriter.standardError("mcp-gateway: \(error)\n\(GatewayOptions.usage)\n")
    exit(2)
}

LogSink.standardError.setMinimumLevel(options.logLevel)
signal(SIGPIPE, SIG_IGN)
if let raised = FileDescriptorLimit.raiseToHard() {
    Logger(component: "main").info("raised the open-file limit", [("from", String(raised.before)), ("to", String(raised.after))])
}

let gateway = Gateway(settings: options.settings(version: GatewayVersion.current))
do {
    try gateway.start()
} catch {
    Logger(component: "main").error("could not start", [("error", "\(error)")])
    exit(1)
}
ProcessSignals.onReload { gateway.reload(reason: "SIGHUP") }

// Blocks until SIGTERM or SIGINT, then drains: GOAWAY to every gRPC peer, open streams get up
// to `--drain-seconds` to finish, and the process exits 0.
let received = ProcessSignals.waitForTermination()
Logger(component: "gateway").info("received \(received == SIGTERM ? "SIGTERM" : "SIGINT")")
gateway.shutdown()
exit(0)
