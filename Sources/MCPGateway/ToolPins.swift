import JSONWire

/// Reviewed tool definitions of pinned servers (`servers[].pin: true`), kept in the pin file the
/// operator owns (`pinning.file`), by server and the server's own tool name.
///
/// Servers federated by a gateway are often not the platform team's: a server can change a
/// tool's description or schema after it was reviewed ("rug pull"), and every agent would see the
/// new text at once. A pinned server's tools are served as approved: a changed definition is
/// drift (the pinned one is served, or the tool hidden, as `pinning.onDrift` says), a tool never
/// approved waits for approval unless `pinning.newTools` is `allow`.
public struct ToolPins: Sendable, Equatable {
    public struct Pin: Sendable, Equatable {
        /// Hex SHA-256 of the definition's JSON as the server listed it.
        public var digest: String
        public var definition: JSONValue

        public init(definition: JSONValue) {
            self.definition = definition
            digest = ToolPins.digest(definition)
        }
    }

    /// server → tool → pin.
    public var pins: [String: [String: Pin]]

    public init(pins: [String: [String: Pin]] = [:]) {
        self.pins = pins
    }

    public func pin(server: String, tool: String) -> Pin? { pins[server]?[tool] }

    public static func digest(_ definition: JSONValue) -> String {
        Hex.encode(SHA256Digest.hash(definition.serializedBytes()))
    }

    /// Pins `definitions` (tool name → JSON) of `server`: all of them, or only `tool`.
    public func approving(server: String, definitions: [String: JSONValue], tool: String? = nil) -> ToolPins {
        var copy = self
        for (name, definition) in definitions where tool == nil || tool == name {
            copy.pins[server, default: [:]][name] = Pin(definition: definition)
        }
        return copy
    }

    // MARK: the pin file

    /// `{"servers": {"<server>": {"<tool>": {"digest": "…", "definition": {…}}}}}`.
    public func fileBytes() -> [UInt8] {
        var w = JSONWriter()
        w.beginObject(); w.key("servers"); w.beginObject()
        for server in pins.keys.sorted() {
            w.key(server); w.beginObject()
            for (tool, pin) in pins[server, default: [:]].sorted(by: { $0.key < $1.key }) {
                w.key(tool); w.beginObject()
                w.key("digest"); w.string(pin.digest)
                w.key("definition"); w.raw(pin.definition.serializedBytes())
                w.endObject()
            }
            w.endObject()
        }
        w.endObject(); w.endObject()
        return w.bytes + [UInt8(ascii: "\n")]
    }

    /// Reads a pin file. A definition whose digest does not match is refused: the file was edited
    /// by hand, and a pin must say exactly what was reviewed.
    public init(fileBytes bytes: [UInt8]) throws(ConfigError) {
        let root: JSONValue
        do { root = try JSONValue(parsing: bytes) } catch { throw ConfigError(field: "pinning.file", "not valid JSON: \(error)") }
        guard case .object(let servers)? = root["servers"] else { throw ConfigError(field: "pinning.file", "needs a \"servers\" object") }
        var pins: [String: [String: Pin]] = [:]
        for (server, tools) in servers {
            guard case .object(let entries) = tools else { throw ConfigError(field: "pinning.file", "servers.\(server) must be an object") }
            for (tool, entry) in entries {
                guard let definition = entry["definition"], let digest = entry["digest"]?.stringValue else {
                    throw ConfigError(field: "pinning.file", "servers.\(server).\(tool) needs digest and definition")
                }
                let pin = Pin(definition: definition)
                guard pin.digest == digest else {
                    throw ConfigError(field: "pinning.file", "servers.\(server).\(tool): the digest does not match the definition")
                }
                pins[server, default: [:]][tool] = pin
            }
        }
        self.pins = pins
    }
}

/// How pinned servers' tools are served (`pinning`).
public struct PinningConfig: Sendable, Equatable {
    public enum OnDrift: String, Sendable { case keep, hide }
    public enum NewTools: String, Sendable { case hold, allow }
    /// The pin file (read at start and after each approval; written by `POST /pins/approve`).
    public var file: String
    /// `keep`: a drifted tool is listed with its pinned definition; `hide`: it is not listed.
    public var onDrift: OnDrift = .keep
    /// Refuse calls to a drifted tool (its server's tool is no longer what was reviewed).
    public var refuseDriftedCalls = false
    /// Tools of a pinned server that were never approved: `hold` (not listed, not callable) or `allow`.
    public var newTools: NewTools = .hold
    /// With `hold`: globs over a server's own tool names that are served without approval
    /// (e.g. `read_*`); still recorded as unapproved.
    public var allowNewTools: [String] = []

    public init(file: String) {
        self.file = file
    }
}

/// A pinned tool whose server now lists another definition, or a tool not yet approved.
public struct PinFinding: Sendable, Equatable {
    public enum Kind: String, Sendable { case drifted, unapproved }
    public var kind: Kind
    public var server: String
    /// The server's own tool name.
    public var tool: String
    public var pinned: ToolPins.Pin?
    public var current: JSONValue
}

/// `GET /pins` on the admin port: every drifted or unapproved tool of a pinned server, with the
/// approved and the current definition side by side (the diff an operator reviews before
/// `POST /pins/approve`).
public enum PinReport {
    public static func json(_ findings: [PinFinding]) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject(); w.key("findings"); w.beginArray()
        for f in findings {
            w.beginObject()
            w.key("kind"); w.string(f.kind.rawValue)
            w.key("server"); w.string(f.server)
            w.key("tool"); w.string(f.tool)
            w.key("approvedDigest"); if let p = f.pinned { w.string(p.digest) } else { w.null() }
            w.key("currentDigest"); w.string(ToolPins.digest(f.current))
            w.key("approved"); if let p = f.pinned { w.raw(p.definition.serializedBytes()) } else { w.null() }
            w.key("current"); w.raw(f.current.serializedBytes())
            w.key("changedMembers"); w.beginArray()
            for key in changedMembers(f.pinned?.definition, f.current) { w.string(key) }
            w.endArray()
            w.endObject()
        }
        w.endArray(); w.endObject()
        return w.bytes
    }

    /// Top-level members that differ (`description`, `inputSchema`, …), for a quick read.
    static func changedMembers(_ old: JSONValue?, _ new: JSONValue) -> [String] {
        guard case .object(let before)? = old, case .object(let after) = new else { return [] }
        let keys = Set(before.map(\.key)).union(after.map(\.key))
        return keys.filter { key in old?[key] != new[key] }.sorted()
    }
}
