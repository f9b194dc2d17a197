/// Why a configuration was refused: the field path (`servers[1].prefix`) and what is wrong,
/// so the log line tells an operator exactly what to fix.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public let field: String
    public let problem: String

    public init(field: String, _ problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String { field.isEmpty ? problem : "\(field): \(problem)" }
}
