import JSONWire
@testable import MCPGateway
import Testing

@Suite struct ConfigLoaderValidTests {
    static let secretFile = "/run/secrets/physics-token"
    static let example = #"""
    {
      "mcpPath": "/gateway/mcp",
      "serverName": "test-gateway",
      "servers": [
        {
          "name": "calculus",
          "url": "http://calculus.default.svc:8000/mcp",
          "tools": {"allow": ["add", "sub*"], "deny": ["subtle"]},
          "credentials": {"valueFromEnv": "CALC_TOKEN", "scheme": "Bearer"},
          "timeoutSeconds": 2.5,
          "forwardAuthorization": true
        },
        {
          "name": "physics",
          "prefix": "phy.",
          "url": "https://physics.example:8443/mcp",
          "cluster": "physics-cluster",
          "credentials": {"header": "X-Api-Key", "valueFromFile": "/run/secrets/physics-token"}
        }
      ],
      "session": {"secretEnv": "SESSION_SECRET", "ttlSeconds": 600},
      "catalog": {"refreshSeconds": 15, "failureThreshold": 2, "pageSize": 3},
      "limits": {"maxBodyBytes": 4096}
    }
    """#
    static let loader = GatewayConfigLoader.fake(
        files: [secretFile: "file-secret-value\n\n"],
        env: ["CALC_TOKEN": "env-secret-value", "SESSION_SECRET": "0123456789abcdef-session"])

    @Test func loadsEveryField() throws {
        let config = try Self.loader.parse(utf8(Self.example))
        #expect(config.mcpPath == "/gateway/mcp")
        #expect(config.serverName == "test-gateway")
        #expect(config.servers.map(\.name) == ["calculus", "physics"])

        let calc = config.servers[0]
        #expect(calc.prefix == "calculus_", "prefix defaults to <name>_")
        #expect(calc.cluster == "calculus", "cluster defaults to the name")
        #expect(calc.url == "http://calculus.default.svc:8000/mcp")
        #expect(calc.toolFilter == ToolFilter(allow: ["add", "sub*"], deny: ["subtle"]))
        #expect(calc.timeoutSeconds == 2.5)
        #expect(calc.forwardAuthorization)
        #expect(calc.credential == Credential(header: "authorization", value: "Bearer env-secret-value", source: "env CALC_TOKEN"))

        let phys = config.servers[1]
        #expect(phys.prefix == "phy.")
        #expect(phys.cluster == "physics-cluster")
        #expect(phys.timeoutSeconds == 30)
        #expect(!phys.forwardAuthorization)
        #expect(phys.toolFilter == ToolFilter())
        // Header lower-cased; trailing whitespace (the file's newline) trimmed.
        #expect(phys.credential == Credential(header: "x-api-key", value: "file-secret-value", source: "file \(Self.secretFile)"))

        #expect(config.session.secret == utf8("0123456789abcdef-session"))
        #expect(config.session.ttlSeconds == 600)
        #expect(config.catalog == CatalogConfig(refreshSeconds: 15, failureThreshold: 2, pageSize: 3))
        #expect(config.limits.maxBodyBytes == 4096)
        #expect(config.server(named: "physics") == phys)
        #expect(config.server(named: "nope") == nil)
    }

    @Test func credentialDescriptionNeverShowsTheSecret() throws {
        let config = try Self.loader.parse(utf8(Self.example))
        for server in config.servers {
            let credential = try #require(server.credential)
            #expect(!credential.value.isEmpty)
            #expect(!credential.description.contains(credential.value))
            #expect(!credential.description.contains("secret-value"))
            #expect(!String(describing: credential).contains("secret-value"))
        }
        #expect(config.servers[0].credential?.description == "authorization from env CALC_TOKEN")
        #expect(config.servers[1].credential?.description == "x-api-key from file \(Self.secretFile)")
    }

    @Test func minimalFileGetsDefaults() throws {
        let config = try GatewayConfigLoader.fake().parse(utf8(#"{"servers":[{"name":"a","url":"http://a"}]}"#))
        #expect(config == GatewayConfig(servers: [ServerConfig(name: "a", url: "http://a")]))
        #expect(config.mcpPath == "/mcp")
        #expect(config.session.secret == nil)
        #expect(config.session.ttlSeconds == 86400)
        #expect(config.catalog == CatalogConfig())
        #expect(config.limits.maxBodyBytes == 1 << 20)
        #expect(config.servers[0].credential == nil)
    }

    @Test func sessionSecretFromFile() throws {
        let loader = GatewayConfigLoader.fake(files: ["/s": "0123456789abcdef"])
        let config = try loader.parse(utf8(#"{"servers":[],"session":{"secretFile":"/s"}}"#))
        #expect(config.session.secret == utf8("0123456789abcdef"))
    }

    @Test func loadReadsThroughTheInjectedReader() throws {
        let loader = GatewayConfigLoader.fake(files: ["/etc/gw.json": #"{"servers":[{"name":"a","url":"https://a"}]}"#])
        #expect(try loader.load(path: "/etc/gw.json").servers.map(\.name) == ["a"])
        #expect(throws: ConfigError.self) { try loader.load(path: "/etc/missing.json") }
    }
}

@Suite struct ConfigLoaderLimitsTests {
    @Test func memoryAndStreamLimitsHaveDefaultsAndAreSettable() throws {
        let defaults = try GatewayConfigLoader.fake().parse(utf8(#"{"servers":[]}"#))
        #expect(defaults.limits.maxTrackedSessions == 100_000 && defaults.limits.maxRevokedSessions == 100_000)
        #expect(defaults.limits.maxStreamsPerSession == 16 && defaults.limits.maxStreamsPerIdentity == 256)
        #expect(defaults.session.revocationsFile == nil)
        let set = try GatewayConfigLoader.fake().parse(utf8(#"""
            {"servers":[],"session":{"revocationsFile":"/var/lib/gw/revoked"},
             "limits":{"maxTrackedSessions":5,"maxRevokedSessions":6,"maxStreamsPerSession":2,"maxStreamsPerIdentity":3}}
            """#))
        #expect(set.limits.streamLimits == StreamQuota.Limits(perSession: 2, perIdentity: 3))
        #expect(set.limits.maxTrackedSessions == 5 && set.limits.maxRevokedSessions == 6)
        #expect(set.session.revocationsFile == "/var/lib/gw/revoked")
    }

    @Test func bridgeLimitsHaveDefaultsAndAreSettable() throws {
        let defaults = try GatewayConfigLoader.fake().parse(utf8(#"{"servers":[]}"#))
        #expect(defaults.limits.maxBridgedCalls == 256 && defaults.limits.bridgedCallWaitSeconds == 60)
        let set = try GatewayConfigLoader.fake().parse(utf8(#"{"servers":[],"limits":{"maxBridgedCalls":3,"bridgedCallWaitSeconds":5}}"#))
        #expect(set.limits.maxBridgedCalls == 3 && set.limits.bridgedCallWaitSeconds == 5)
        #expect(configError(#"{"servers":[],"limits":{"bridgedCallWaitSeconds":0}}"#)?.field == "limits.bridgedCallWaitSeconds")
    }

    @Test func bridgedSubscriptionLimitsHaveDefaultsAndAreSettable() throws {
        let defaults = try GatewayConfigLoader.fake().parse(utf8(#"{"servers":[]}"#))
        #expect(defaults.limits.bridgedSubscriptionLimits == BridgedSubscriptions.Limits(perSession: 64, total: 10_000))
        let set = try GatewayConfigLoader.fake().parse(utf8(#"{"servers":[],"limits":{"maxBridgedSubscriptionsPerSession":2,"maxBridgedSubscriptions":9}}"#))
        #expect(set.limits.bridgedSubscriptionLimits == BridgedSubscriptions.Limits(perSession: 2, total: 9))
        #expect(configError(#"{"servers":[],"limits":{"maxBridgedSubscriptions":0}}"#)?.field == "limits.maxBridgedSubscriptions")
    }

    @Test func rateLimitMethodsDefaultToToolCalls() throws {
        let config = try GatewayConfigLoader.fake().parse(utf8(#"""
            {"servers":[],"rateLimits":[{"calls":1,"perSeconds":1},{"calls":2,"perSeconds":1,"methods":["initialize","tools/call"]}]}
            """#))
        #expect(config.rateLimits.map(\.methods) == [["tools/call"], ["initialize", "tools/call"]])
    }
}

@Suite struct ConfigLoaderRefusalTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let label: String
        let json: String
        let field: String
        /// A fragment the problem text must contain.
        let mentions: String
        var testDescription: String { label }
    }

    static let env = ["SHORT": "too-short", "LONG": "0123456789abcdef"]
    static let files = ["/short": "0123456789abcde"]

    static let cases: [Case] = [
        Case(label: "not JSON", json: #"{"servers": [}"#, field: "", mentions: "not valid JSON"),
        Case(label: "top level not an object", json: #"[1]"#, field: "", mentions: "JSON object"),
        Case(label: "missing servers", json: #"{"serverName":"x"}"#, field: "servers", mentions: "required"),
        Case(label: "servers not a list", json: #"{"servers":{}}"#, field: "servers", mentions: "required"),
        Case(label: "unknown top-level key (typo)", json: #"{"servers":[],"sesion":{}}"#, field: "sesion", mentions: "unknown setting"),
        Case(label: "unknown server key (typo)",
             json: #"{"servers":[{"name":"a","url":"http://a","prefx":"x"}]}"#, field: "servers[0].prefx", mentions: "unknown setting"),
        Case(label: "unknown tools key",
             json: #"{"servers":[{"name":"a","url":"http://a","tools":{"alow":["x"]}}]}"#, field: "servers[0].tools.alow", mentions: "unknown"),
        Case(label: "unknown credentials key",
             json: #"{"servers":[{"name":"a","url":"http://a","credentials":{"value":"inline"}}]}"#,
             field: "servers[0].credentials.value", mentions: "unknown"),
        Case(label: "unknown session key", json: #"{"servers":[],"session":{"secret":"inline-secret-123456"}}"#,
             field: "session.secret", mentions: "unknown"),
        Case(label: "unknown catalog key", json: #"{"servers":[],"catalog":{"page":1}}"#, field: "catalog.page", mentions: "unknown"),
        Case(label: "unknown limits key", json: #"{"servers":[],"limits":{"max":1}}"#, field: "limits.max", mentions: "unknown"),
        Case(label: "server not an object", json: #"{"servers":["a"]}"#, field: "servers[0]", mentions: "object"),
        Case(label: "missing name", json: #"{"servers":[{"url":"http://a"}]}"#, field: "servers[0].name", mentions: "required"),
        Case(label: "name with underscore", json: #"{"servers":[{"name":"my_server","url":"http://a"}]}"#,
             field: "servers[0].name", mentions: "my_server"),
        Case(label: "name with dot", json: #"{"servers":[{"name":"my.server","url":"http://a"}]}"#,
             field: "servers[0].name", mentions: "must start with a lower-case letter"),
        Case(label: "name starting with a digit", json: #"{"servers":[{"name":"9lives","url":"http://a"}]}"#,
             field: "servers[0].name", mentions: "must start with a lower-case letter"),
        Case(label: "name with plus", json: #"{"servers":[{"name":"a+b","url":"http://a"}]}"#,
             field: "servers[0].name", mentions: "must start with a lower-case letter"),
        Case(label: "missing url", json: #"{"servers":[{"name":"a"}]}"#, field: "servers[0].url", mentions: "required"),
        Case(label: "non-http url", json: #"{"servers":[{"name":"a","url":"ftp://a/mcp"}]}"#,
             field: "servers[0].url", mentions: "http:// or https://"),
        Case(label: "invalid prefix chars", json: #"{"servers":[{"name":"calc","url":"http://a","prefix":"calc/"}]}"#,
             field: "servers[0].prefix", mentions: "calc/"),
        Case(label: "prefix with a space", json: #"{"servers":[{"name":"calc","url":"http://a","prefix":"c "}]}"#,
             field: "servers[0].prefix", mentions: "invalid tool names"),
        Case(label: "prefix not a string", json: #"{"servers":[{"name":"calc","url":"http://a","prefix":1}]}"#,
             field: "servers[0].prefix", mentions: "string"),
        Case(label: "duplicate names",
             json: #"{"servers":[{"name":"a","url":"http://a","prefix":"x_"},{"name":"b","url":"http://b"},{"name":"a","url":"http://c","prefix":"y_"}]}"#,
             field: "servers[2].name", mentions: "duplicate server name \"a\" (also servers[0])"),
        Case(label: "duplicate prefixes (explicit vs default)",
             json: #"{"servers":[{"name":"a","url":"http://a"},{"name":"b","url":"http://b","prefix":"a_"}]}"#,
             field: "servers[1].prefix", mentions: "duplicate prefix \"a_\""),
        Case(label: "empty cluster", json: #"{"servers":[{"name":"a","url":"http://a","cluster":""}]}"#,
             field: "servers[0].cluster", mentions: "non-empty"),
        Case(label: "tools.allow not a list", json: #"{"servers":[{"name":"a","url":"http://a","tools":{"allow":"x"}}]}"#,
             field: "servers[0].tools.allow", mentions: "list of strings"),
        Case(label: "tools.deny holds a number", json: #"{"servers":[{"name":"a","url":"http://a","tools":{"deny":["x",1]}}]}"#,
             field: "servers[0].tools.deny", mentions: "list of strings"),
        Case(label: "zero timeout", json: #"{"servers":[{"name":"a","url":"http://a","timeoutSeconds":0}]}"#,
             field: "servers[0].timeoutSeconds", mentions: "positive"),
        Case(label: "forwardAuthorization not a bool", json: #"{"servers":[{"name":"a","url":"http://a","forwardAuthorization":"yes"}]}"#,
             field: "servers[0].forwardAuthorization", mentions: "true or false"),
        Case(label: "unreadable credential file",
             json: #"{"servers":[{"name":"a","url":"http://a"},{"name":"b","url":"http://b","credentials":{"valueFromFile":"/nope"}}]}"#,
             field: "servers[1].credentials.valueFromFile", mentions: "/nope"),
        Case(label: "unset credential env var",
             json: #"{"servers":[{"name":"a","url":"http://a","credentials":{"valueFromEnv":"UNSET_VAR"}}]}"#,
             field: "servers[0].credentials.valueFromEnv", mentions: "UNSET_VAR is not set"),
        Case(label: "credential without a source", json: #"{"servers":[{"name":"a","url":"http://a","credentials":{"header":"x"}}]}"#,
             field: "servers[0].credentials", mentions: "valueFromFile or valueFromEnv"),
        Case(label: "session secret env shorter than 16 bytes", json: #"{"servers":[],"session":{"secretEnv":"SHORT"}}"#,
             field: "session.secretEnv", mentions: "16 bytes"),
        Case(label: "session secret env unset", json: #"{"servers":[],"session":{"secretEnv":"NOPE"}}"#,
             field: "session.secretEnv", mentions: "unset"),
        Case(label: "session secret file of 15 bytes", json: #"{"servers":[],"session":{"secretFile":"/short"}}"#,
             field: "session.secretFile", mentions: "16 bytes"),
        Case(label: "session secret file missing", json: #"{"servers":[],"session":{"secretFile":"/missing"}}"#,
             field: "session.secretFile", mentions: "/missing"),
        Case(label: "session ttl negative", json: #"{"servers":[],"session":{"ttlSeconds":-1}}"#,
             field: "session.ttlSeconds", mentions: "positive"),
        Case(label: "catalog refresh below 1s", json: #"{"servers":[],"catalog":{"refreshSeconds":0.5}}"#,
             field: "catalog.refreshSeconds", mentions: "at least 1"),
        Case(label: "catalog pageSize zero", json: #"{"servers":[],"catalog":{"pageSize":0}}"#,
             field: "catalog.pageSize", mentions: "positive integer"),
        Case(label: "catalog failureThreshold fractional", json: #"{"servers":[],"catalog":{"failureThreshold":1.5}}"#,
             field: "catalog.failureThreshold", mentions: "positive integer"),
        Case(label: "maxBodyBytes negative", json: #"{"servers":[],"limits":{"maxBodyBytes":-5}}"#,
             field: "limits.maxBodyBytes", mentions: "positive integer"),
        Case(label: "maxTrackedSessions zero", json: #"{"servers":[],"limits":{"maxTrackedSessions":0}}"#,
             field: "limits.maxTrackedSessions", mentions: "positive integer"),
        Case(label: "maxRevokedSessions not a number", json: #"{"servers":[],"limits":{"maxRevokedSessions":"many"}}"#,
             field: "limits.maxRevokedSessions", mentions: "positive integer"),
        Case(label: "maxStreamsPerSession negative", json: #"{"servers":[],"limits":{"maxStreamsPerSession":-1}}"#,
             field: "limits.maxStreamsPerSession", mentions: "positive integer"),
        Case(label: "maxStreamsPerIdentity below per session",
             json: #"{"servers":[],"limits":{"maxStreamsPerSession":8,"maxStreamsPerIdentity":4}}"#,
             field: "limits.maxStreamsPerIdentity", mentions: "maxStreamsPerSession"),
        Case(label: "revocationsFile empty", json: #"{"servers":[],"session":{"revocationsFile":""}}"#,
             field: "session.revocationsFile", mentions: "file path"),
        Case(label: "rate limit methods unknown", json: #"{"servers":[],"rateLimits":[{"calls":1,"perSeconds":1,"methods":["tools/list"]}]}"#,
             field: "rateLimits[0].methods", mentions: "initialize"),
        Case(label: "rate limit methods empty", json: #"{"servers":[],"rateLimits":[{"calls":1,"perSeconds":1,"methods":[]}]}"#,
             field: "rateLimits[0].methods", mentions: "non-empty"),
        Case(label: "mcpPath without slash", json: #"{"servers":[],"mcpPath":"mcp"}"#, field: "mcpPath", mentions: "starting with /"),
        Case(label: "empty serverName", json: #"{"servers":[],"serverName":""}"#, field: "serverName", mentions: "non-empty"),
    ]

    @Test(arguments: cases)
    func refuses(_ c: Case) throws {
        let error = try #require(configError(c.json, loader: .fake(files: Self.files, env: Self.env)), "accepted: \(c.json)")
        #expect(error.field == c.field)
        #expect(error.problem.contains(c.mentions), "\(error.problem)")
        #expect(error.description == (c.field.isEmpty ? error.problem : "\(c.field): \(error.problem)"))
    }

    @Test func acceptsLettersDigitsAndDashesInServerNames() {
        for name in ["a", "calc", "calc-2", "x9-y", String(repeating: "n", count: 63)] {
            #expect(GatewayConfigLoader.isValidServerName(name), "\(name)")
        }
        for name in ["", "Calc", "-a", "1a", "a_b", "a.b", "a b", "ä", "a/b", "[x", "@x", "`x", "{x", String(repeating: "n", count: 64)] {
            #expect(!GatewayConfigLoader.isValidServerName(name), "\(name)")
        }
    }
}
