import JSONWire

/// Turns the JSON config file into a validated `GatewayConfig`.
///
/// Secrets referenced by the file (`valueFromFile`, `valueFromEnv`) are resolved through the
/// injected readers, which keeps this type free of I/O and lets tests supply them.
public struct GatewayConfigLoader: Sendable {
    public var readFile: @Sendable (String) -> [UInt8]?
    public var environment: @Sendable (String) -> String?

    public init(readFile: @escaping @Sendable (String) -> [UInt8]?, environment: @escaping @Sendable (String) -> String?) {
        self.readFile = readFile
        self.environment = environment
    }

    public func load(path: String) throws(ConfigError) -> GatewayConfig {
        guard let bytes = readFile(path) else { throw ConfigError(field: "", "cannot read config file \(path)") }
        return try parse(bytes)
    }

    public func parse(_ bytes: [UInt8]) throws(ConfigError) -> GatewayConfig {
        let root: JSONValue
        do { root = try JSONValue(parsing: bytes) } catch {
            throw ConfigError(field: "", "not valid JSON: \(error)")
        }
        guard case .object = root else { throw ConfigError(field: "", "the top level must be a JSON object") }
        try rejectUnknown(root, allowed: ["servers", "session", "catalog", "limits", "mcpPath", "serverName", "auth", "authorization",
                                       "rateLimits", "audit", "sharedState", "virtualServers", "pinning"], at: "")

        guard let list = root["servers"]?.arrayValue else {
            throw ConfigError(field: "servers", "required: a list of MCP servers")
        }
        var servers: [ServerConfig] = []
        for (i, entry) in list.enumerated() {
            servers.append(try server(entry, at: "servers[\(i)]"))
        }
        try checkUnique(servers)

        var config = GatewayConfig(servers: servers)
        if let path = root["mcpPath"] {
            guard let p = path.stringValue, p.hasPrefix("/") else { throw ConfigError(field: "mcpPath", "must be a path starting with /") }
            config.mcpPath = p
        }
        if let name = root["serverName"] {
            guard let n = name.stringValue, !n.isEmpty else { throw ConfigError(field: "serverName", "must be a non-empty string") }
            config.serverName = n
        }
        if let s = root["session"] { config.session = try session(s) }
        if let s = root["sharedState"] { config.sharedState = try sharedState(s) }
        if let c = root["catalog"] { config.catalog = try catalog(c) }
        if let l = root["limits"] {
            try rejectUnknown(l, allowed: ["maxBodyBytes", "maxRelayedCalls", "relayedCallTimeoutSeconds", "maxBridgedCalls", "bridgedCallWaitSeconds", "maxServerStreams",
                                           "maxBridgedSubscriptionsPerSession", "maxBridgedSubscriptions",
                                           "maxTrackedSessions", "maxRevokedSessions", "maxStreamsPerSession", "maxStreamsPerIdentity"],
                              at: "limits")
            if let v = l["maxBodyBytes"] { config.limits.maxBodyBytes = try positiveInt(v, at: "limits.maxBodyBytes") }
            if let v = l["maxRelayedCalls"] { config.limits.maxRelayedCalls = try positiveInt(v, at: "limits.maxRelayedCalls") }
            if let v = l["relayedCallTimeoutSeconds"] {
                config.limits.relayedCallTimeoutSeconds = try positiveInt(v, at: "limits.relayedCallTimeoutSeconds")
            }
            if let v = l["maxBridgedCalls"] { config.limits.maxBridgedCalls = try positiveInt(v, at: "limits.maxBridgedCalls") }
            if let v = l["bridgedCallWaitSeconds"] { config.limits.bridgedCallWaitSeconds = try positiveInt(v, at: "limits.bridgedCallWaitSeconds") }
            if let v = l["maxServerStreams"] { config.limits.maxServerStreams = try positiveInt(v, at: "limits.maxServerStreams") }
            if let v = l["maxBridgedSubscriptionsPerSession"] {
                config.limits.maxBridgedSubscriptionsPerSession = try positiveInt(v, at: "limits.maxBridgedSubscriptionsPerSession")
            }
            if let v = l["maxBridgedSubscriptions"] {
                config.limits.maxBridgedSubscriptions = try positiveInt(v, at: "limits.maxBridgedSubscriptions")
            }
            if let v = l["maxTrackedSessions"] { config.limits.maxTrackedSessions = try positiveInt(v, at: "limits.maxTrackedSessions") }
            if let v = l["maxRevokedSessions"] { config.limits.maxRevokedSessions = try positiveInt(v, at: "limits.maxRevokedSessions") }
            if let v = l["maxStreamsPerSession"] {
                config.limits.maxStreamsPerSession = try positiveInt(v, at: "limits.maxStreamsPerSession")
            }
            if let v = l["maxStreamsPerIdentity"] {
                config.limits.maxStreamsPerIdentity = try positiveInt(v, at: "limits.maxStreamsPerIdentity")
            }
            if config.limits.maxStreamsPerIdentity < config.limits.maxStreamsPerSession {
                throw ConfigError(field: "limits.maxStreamsPerIdentity",
                                  "must be at least limits.maxStreamsPerSession (\(config.limits.maxStreamsPerSession))")
            }
        }
        try checkToolNames(config)
        if let p = root["pinning"] { config.pinning = try pinning(p) }
        if let i = config.servers.firstIndex(where: \.pin), config.pinning == nil {
            throw ConfigError(field: "servers[\(i)].pin", "needs a pinning section naming the pin file")
        }
        if let v = root["virtualServers"] { config.virtualServers = try virtualServers(v, mcpPath: config.mcpPath) }
        if let a = root["auth"] { config.auth = try auth(a) }
        if let p = root["authorization"] { config.policy = try policy(p) }
        if let r = root["rateLimits"] { config.rateLimits = try rateLimits(r) }
        if let a = root["audit"] {
            try rejectUnknown(a, allowed: ["destination", "includeArgumentNames"], at: "audit")
            if let d = a["destination"] {
                guard let ds = d.stringValue, !ds.isEmpty else { throw ConfigError(field: "audit.destination", "stdout, off, or a file path") }
                config.audit.destination = ds
            }
            if let n = a["includeArgumentNames"] {
                guard let b = n.boolValue else { throw ConfigError(field: "audit.includeArgumentNames", "must be true or false") }
                config.audit.includeArgumentNames = b
            }
        }
        return config
    }

    private func rateLimits(_ v: JSONValue) throws(ConfigError) -> [RateLimiter.Rule] {
        guard let list = v.arrayValue else { throw ConfigError(field: "rateLimits", "must be a list of limits") }
        var rules: [RateLimiter.Rule] = []
        for (i, r) in list.enumerated() {
            let at = "rateLimits[\(i)]"
            try rejectUnknown(r, allowed: ["calls", "perSeconds", "key", "servers", "tools", "methods"], at: at)
            guard let calls = r["calls"]?.intValue, calls > 0 else { throw ConfigError(field: "\(at).calls", "required: a positive integer") }
            guard let per = r["perSeconds"]?.doubleValue, per.isFinite, per > 0 else { throw ConfigError(field: "\(at).perSeconds", "required: a positive number") }
            var key = RateLimiter.Rule.Key.identity
            if let k = r["key"] {
                guard let ks = k.stringValue, let parsed = RateLimiter.Rule.Key(rawValue: ks) else {
                    throw ConfigError(field: "\(at).key", "one of identity, identity_server, identity_tool")
                }
                key = parsed
            }
            let servers = try stringList(r["servers"], at: "\(at).servers")
            let tools = try stringList(r["tools"], at: "\(at).tools")
            var methods = ["tools/call"]
            if r["methods"] != nil {
                methods = try stringList(r["methods"], at: "\(at).methods")
                let allowed = RateLimiter.Rule.limitableMethods
                guard !methods.isEmpty, methods.allSatisfy(allowed.contains) else {
                    throw ConfigError(field: "\(at).methods", "a non-empty list of \(allowed.joined(separator: ", "))")
                }
            }
            rules.append(RateLimiter.Rule(calls: calls, perSeconds: per, key: key, servers: servers.isEmpty ? ["*"] : servers,
                                          tools: tools.isEmpty ? ["*"] : tools, methods: methods))
        }
        return rules
    }

    private func auth(_ v: JSONValue) throws(ConfigError) -> AuthConfig {
        try rejectUnknown(v, allowed: ["kubernetes", "jwt", "cacheTTLSeconds", "negativeCacheTTLSeconds", "resource",
                                       "authorizationServers", "scopes", "metadataURL"], at: "auth")
        var a = AuthConfig()
        if let k = v["kubernetes"] {
            try rejectUnknown(k, allowed: ["apiServer", "caFile", "tokenFile", "audiences", "timeoutSeconds"], at: "auth.kubernetes")
            // In-cluster defaults: the API server from the service environment, CA and token from the mount.
            let mount = "/var/run/secrets/kubernetes.io/serviceaccount"
            var api = k["apiServer"]?.stringValue
            if api == nil, let host = environment("KUBERNETES_SERVICE_HOST") {
                let port = environment("KUBERNETES_SERVICE_PORT") ?? "443"
                api = host.contains(":") ? "https://[\(host)]:\(port)" : "https://\(host):\(port)"
            }
            guard let apiServer = api, apiServer.hasPrefix("https://") else {
                throw ConfigError(field: "auth.kubernetes.apiServer", "required (an https:// URL) outside a cluster")
            }
            let audiences = try stringList(k["audiences"], at: "auth.kubernetes.audiences")
            guard !audiences.isEmpty else { throw ConfigError(field: "auth.kubernetes.audiences", "name at least one audience, e.g. mcp-gateway") }
            let tokenFile = k["tokenFile"]?.stringValue ?? "\(mount)/token"
            guard readFile(tokenFile) != nil else { throw ConfigError(field: "auth.kubernetes.tokenFile", "cannot read \(tokenFile)") }
            let caFile = k["caFile"]?.stringValue ?? (k["apiServer"] == nil ? "\(mount)/ca.crt" : nil)
            if let ca = caFile, readFile(ca) == nil { throw ConfigError(field: "auth.kubernetes.caFile", "cannot read \(ca)") }
            var timeout = 2.0
            if let t = k["timeoutSeconds"] {
                guard let d = t.doubleValue, d.isFinite, d > 0 else { throw ConfigError(field: "auth.kubernetes.timeoutSeconds", "must be positive") }
                timeout = d
            }
            a.kubernetes = AuthConfig.Kubernetes(apiServer: apiServer, caFile: caFile, tokenFile: tokenFile, audiences: audiences,
                                                 timeoutSeconds: timeout)
        }
        if let j = v["jwt"] {
            try rejectUnknown(j, allowed: ["issuer", "audiences", "jwksFile", "jwksURL", "caFile", "leewaySeconds", "groupsClaim",
                                        "minRefreshSeconds"], at: "auth.jwt")
            guard let issuer = j["issuer"]?.stringValue, !issuer.isEmpty else { throw ConfigError(field: "auth.jwt.issuer", "required") }
            let audiences = try stringList(j["audiences"], at: "auth.jwt.audiences")
            guard !audiences.isEmpty else { throw ConfigError(field: "auth.jwt.audiences", "name at least one audience") }
            let file = j["jwksFile"]?.stringValue, url = j["jwksURL"]?.stringValue
            guard (file == nil) != (url == nil) else { throw ConfigError(field: "auth.jwt", "needs exactly one of jwksFile or jwksURL") }
            if let file, readFile(file) == nil { throw ConfigError(field: "auth.jwt.jwksFile", "cannot read \(file)") }
            if let url, !url.hasPrefix("https://") && !url.hasPrefix("http://127.0.0.1") && !url.hasPrefix("http://localhost") {
                throw ConfigError(field: "auth.jwt.jwksURL", "must be https:// (plain http only on loopback)")
            }
            var jwt = AuthConfig.JWT(issuer: issuer, audiences: audiences, jwksFile: file, jwksURL: url, caFile: j["caFile"]?.stringValue)
            if let l = j["leewaySeconds"] {
                guard let d = l.doubleValue, d.isFinite, d >= 0, d <= 300 else { throw ConfigError(field: "auth.jwt.leewaySeconds", "must be 0...300") }
                jwt.leewaySeconds = d
            }
            if let g = j["groupsClaim"]?.stringValue { jwt.groupsClaim = g }
            if let r = j["minRefreshSeconds"] {
                guard let d = r.doubleValue, d.isFinite, d >= 0 else { throw ConfigError(field: "auth.jwt.minRefreshSeconds", "must be ≥ 0") }
                jwt.minRefreshSeconds = d
            }
            a.jwt = jwt
        }
        guard a.kubernetes != nil || a.jwt != nil else { throw ConfigError(field: "auth", "configure kubernetes, jwt, or both") }
        if let t = v["cacheTTLSeconds"] {
            guard let d = t.doubleValue, d.isFinite, d >= 0 else { throw ConfigError(field: "auth.cacheTTLSeconds", "must be ≥ 0") }
            a.cacheTTLSeconds = d
        }
        if let t = v["negativeCacheTTLSeconds"] {
            guard let d = t.doubleValue, d.isFinite, d >= 0 else { throw ConfigError(field: "auth.negativeCacheTTLSeconds", "must be ≥ 0") }
            a.negativeCacheTTLSeconds = d
        }
        // Required, never guessed from a request's Host (see ProtectedResource).
        guard let resource = v["resource"]?.stringValue, let derived = ProtectedResource.defaultMetadataURL(resource: resource) else {
            throw ConfigError(field: "auth.resource", "required with auth: the public http(s) URL of the MCP endpoint, as clients use it "
                + "(e.g. https://mcp.example.com/mcp); 401 replies and the protected-resource metadata name it")
        }
        a.resource = resource
        a.metadataURL = derived
        if let m = v["metadataURL"] {
            guard let url = m.stringValue, ProtectedResource.origin(of: url) != nil else {
                throw ConfigError(field: "auth.metadataURL", "must be an absolute http(s) URL (default: \(derived))")
            }
            a.metadataURL = url
        }
        a.authorizationServers = try stringList(v["authorizationServers"], at: "auth.authorizationServers")
        a.scopes = try stringList(v["scopes"], at: "auth.scopes")
        return a
    }

    private func policy(_ v: JSONValue) throws(ConfigError) -> AccessPolicy {
        try rejectUnknown(v, allowed: ["rules"], at: "authorization")
        guard let list = v["rules"]?.arrayValue else { throw ConfigError(field: "authorization.rules", "required: a list of rules") }
        var rules: [AccessPolicy.Rule] = []
        for (i, r) in list.enumerated() {
            let at = "authorization.rules[\(i)]"
            try rejectUnknown(r, allowed: ["subjects", "groups", "serviceAccounts", "servers", "tools", "deny"], at: at)
            let rule = AccessPolicy.Rule(subjects: try stringList(r["subjects"], at: "\(at).subjects"),
                                         groups: try stringList(r["groups"], at: "\(at).groups"),
                                         serviceAccounts: try stringList(r["serviceAccounts"], at: "\(at).serviceAccounts"),
                                         servers: try stringList(r["servers"], at: "\(at).servers"),
                                         tools: try stringList(r["tools"], at: "\(at).tools"),
                                         deny: try stringList(r["deny"], at: "\(at).deny"))
            guard !(rule.subjects.isEmpty && rule.groups.isEmpty && rule.serviceAccounts.isEmpty) else {
                throw ConfigError(field: at, "match callers with subjects, groups or serviceAccounts")
            }
            rules.append(rule)
        }
        return AccessPolicy(rules: rules)
    }

    private func server(_ v: JSONValue, at path: String) throws(ConfigError) -> ServerConfig {
        guard case .object = v else { throw ConfigError(field: path, "must be an object") }
        try rejectUnknown(v, allowed: ["name", "prefix", "url", "cluster", "credentials", "tools", "timeoutSeconds",
                                       "forwardAuthorization", "pin"], at: path)
        guard let name = v["name"]?.stringValue, !name.isEmpty else { throw ConfigError(field: "\(path).name", "required: a non-empty string") }
        guard Self.isValidServerName(name) else {
            throw ConfigError(field: "\(path).name",
                              "\"\(name)\" must start with a lower-case letter and hold only a-z, 0-9 and '-' (it names resource URI schemes)")
        }
        guard let url = v["url"]?.stringValue else { throw ConfigError(field: "\(path).url", "required: the server's MCP URL") }
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw ConfigError(field: "\(path).url", "\"\(url)\" must be an http:// or https:// URL")
        }
        var prefix = "\(name)_"
        if let p = v["prefix"] {
            guard let ps = p.stringValue else { throw ConfigError(field: "\(path).prefix", "must be a string") }
            prefix = ps
        }
        guard ToolNameRules.isValidPrefix(prefix) else {
            throw ConfigError(field: "\(path).prefix", "\"\(prefix)\" would make invalid tool names (allowed: A-Z a-z 0-9 _ - .)")
        }
        var cluster = name
        if let c = v["cluster"] {
            guard let cs = c.stringValue, !cs.isEmpty else { throw ConfigError(field: "\(path).cluster", "must be a non-empty string") }
            cluster = cs
        }
        var filter = ToolFilter()
        var overrides: [String: ToolOverride] = [:]
        if let t = v["tools"] {
            try rejectUnknown(t, allowed: ["allow", "deny", "overrides"], at: "\(path).tools")
            filter.allow = try stringList(t["allow"], at: "\(path).tools.allow")
            filter.deny = try stringList(t["deny"], at: "\(path).tools.deny")
            if let o = t["overrides"] { overrides = try toolOverrides(o, at: "\(path).tools.overrides") }
        }
        var timeout = 30.0
        if let t = v["timeoutSeconds"] {
            guard let d = t.doubleValue, d.isFinite, d > 0 else { throw ConfigError(field: "\(path).timeoutSeconds", "must be a positive number") }
            timeout = d
        }
        var forward = false
        if let f = v["forwardAuthorization"] {
            guard let b = f.boolValue else { throw ConfigError(field: "\(path).forwardAuthorization", "must be true or false") }
            forward = b
        }
        let credential = try v["credentials"].map { c throws(ConfigError) in try self.credential(c, at: "\(path).credentials") }
        var config = ServerConfig(name: name, prefix: prefix, url: url, cluster: cluster, credential: credential,
                                  toolFilter: filter, timeoutSeconds: timeout, forwardAuthorization: forward)
        config.toolOverrides = overrides
        if let p = v["pin"] {
            guard let b = p.boolValue else { throw ConfigError(field: "\(path).pin", "must be true or false") }
            config.pin = b
        }
        return config
    }

    private func pinning(_ v: JSONValue) throws(ConfigError) -> PinningConfig {
        try rejectUnknown(v, allowed: ["file", "onDrift", "refuseDriftedCalls", "newTools", "allowNewTools"], at: "pinning")
        guard let file = v["file"]?.stringValue, !file.isEmpty else { throw ConfigError(field: "pinning.file", "required: the pin file's path") }
        var p = PinningConfig(file: file)
        if let d = v["onDrift"] {
            guard let s = d.stringValue, let mode = PinningConfig.OnDrift(rawValue: s) else { throw ConfigError(field: "pinning.onDrift", "keep or hide") }
            p.onDrift = mode
        }
        if let r = v["refuseDriftedCalls"] {
            guard let b = r.boolValue else { throw ConfigError(field: "pinning.refuseDriftedCalls", "must be true or false") }
            p.refuseDriftedCalls = b
        }
        if let n = v["newTools"] {
            guard let s = n.stringValue, let mode = PinningConfig.NewTools(rawValue: s) else { throw ConfigError(field: "pinning.newTools", "hold or allow") }
            p.newTools = mode
        }
        p.allowNewTools = try stringList(v["allowNewTools"], at: "pinning.allowNewTools")
        return p
    }

    private func virtualServers(_ v: JSONValue, mcpPath: String) throws(ConfigError) -> [VirtualServer] {
        guard let list = v.arrayValue else { throw ConfigError(field: "virtualServers", "must be a list") }
        var out: [VirtualServer] = []
        for (i, entry) in list.enumerated() {
            let at = "virtualServers[\(i)]"
            guard case .object = entry else { throw ConfigError(field: at, "must be an object") }
            try rejectUnknown(entry, allowed: ["name", "path", "servers", "tools", "authorization"], at: at)
            guard let name = entry["name"]?.stringValue, Self.isValidServerName(name) else {
                throw ConfigError(field: "\(at).name", "required: lower-case letters, digits and '-', starting with a letter")
            }
            var path = mcpPath + "/" + name
            if let p = entry["path"] {
                guard let text = p.stringValue, text.hasPrefix("/"), text.count > 1, !text.hasSuffix("/"), !text.contains("?") else {
                    throw ConfigError(field: "\(at).path", "must be a path starting with / (no trailing /, no query)")
                }
                path = text
            }
            guard path != mcpPath else { throw ConfigError(field: "\(at).path", "\(path) is the main MCP endpoint") }
            let servers = try stringList(entry["servers"], at: "\(at).servers")
            let tools = try stringList(entry["tools"], at: "\(at).tools")
            guard !servers.isEmpty || !tools.isEmpty else {
                throw ConfigError(field: at, "select something: servers and/or tools (globs)")
            }
            let policy = try entry["authorization"].map { a throws(ConfigError) in try self.policy(a) } ?? AccessPolicy()
            if let other = out.first(where: { $0.name == name || $0.path == path }) {
                throw ConfigError(field: at, "name or path already used by virtual server \"\(other.name)\"")
            }
            out.append(VirtualServer(name: name, path: path, servers: servers, tools: tools, policy: policy))
        }
        return out
    }

    private func toolOverrides(_ v: JSONValue, at path: String) throws(ConfigError) -> [String: ToolOverride] {
        guard case .object(let members) = v else { throw ConfigError(field: path, "must be an object: the server's tool name -> its override") }
        var out: [String: ToolOverride] = [:]
        for (tool, o) in members {
            let at = "\(path).\(tool)"
            guard case .object = o else { throw ConfigError(field: at, "must be an object with name, description and/or hidden") }
            try rejectUnknown(o, allowed: ["name", "description", "hidden"], at: at)
            var override = ToolOverride()
            if let n = o["name"] {
                guard let name = n.stringValue, ToolNameRules.isValid(name) else {
                    throw ConfigError(field: "\(at).name", "must be a valid MCP tool name (1-128 of A-Z a-z 0-9 _ - .)")
                }
                override.name = name
            }
            if let d = o["description"] {
                guard let text = d.stringValue else { throw ConfigError(field: "\(at).description", "must be a string") }
                override.description = text
            }
            if let h = o["hidden"] {
                guard let b = h.boolValue else { throw ConfigError(field: "\(at).hidden", "must be true or false") }
                override.hidden = b
            }
            guard out[tool] == nil else { throw ConfigError(field: at, "listed twice") }
            out[tool] = override
        }
        return out
    }

    /// Public names the config decides must fit `catalog.maxToolNameLength` and be unique: a
    /// rename over the limit, or two renames to one name, is refused here rather than found later.
    private func checkToolNames(_ config: GatewayConfig) throws(ConfigError) {
        let limit = config.catalog.maxToolNameLength
        var renamed: [String: String] = [:]
        for (i, server) in config.servers.enumerated() {
            guard server.prefix.utf8.count <= limit - 8 else {
                throw ConfigError(field: "servers[\(i)].prefix", "\"\(server.prefix)\" leaves too little of catalog.maxToolNameLength (\(limit)) for tool names")
            }
            for (tool, override) in server.toolOverrides.sorted(by: { $0.key < $1.key }) {
                guard let name = override.name else { continue }
                let at = "servers[\(i)].tools.overrides.\(tool).name"
                guard name.utf8.count <= limit else {
                    throw ConfigError(field: at, "\"\(name)\" is \(name.utf8.count) characters, over catalog.maxToolNameLength (\(limit))")
                }
                if let other = renamed[name] { throw ConfigError(field: at, "\"\(name)\" is also the new name of \(other)") }
                renamed[name] = "\(server.name)'s \(tool)"
            }
        }
    }

    private func credential(_ v: JSONValue, at path: String) throws(ConfigError) -> Credential {
        try rejectUnknown(v, allowed: ["header", "valueFromFile", "valueFromEnv", "scheme"], at: path)
        let header = v["header"]?.stringValue ?? "authorization"
        let scheme = v["scheme"]?.stringValue
        var raw: String
        var source: String
        if let file = v["valueFromFile"]?.stringValue {
            guard let bytes = readFile(file) else { throw ConfigError(field: "\(path).valueFromFile", "cannot read \(file)") }
            raw = String(decoding: bytes, as: UTF8.self)
            source = "file \(file)"
        } else if let env = v["valueFromEnv"]?.stringValue {
            guard let value = environment(env) else { throw ConfigError(field: "\(path).valueFromEnv", "environment variable \(env) is not set") }
            raw = value
            source = "env \(env)"
        } else {
            throw ConfigError(field: path, "needs valueFromFile or valueFromEnv (secrets are never written inline)")
        }
        while let last = raw.last, last.isWhitespace { raw.removeLast() }
        return Credential(header: header.lowercased(), value: scheme.map { "\($0) \(raw)" } ?? raw, source: source)
    }

    private func session(_ v: JSONValue) throws(ConfigError) -> SessionConfig {
        try rejectUnknown(v, allowed: ["secretFile", "secretEnv", "ttlSeconds", "revocationsFile"], at: "session")
        var s = SessionConfig()
        if let file = v["secretFile"]?.stringValue {
            guard let bytes = readFile(file), bytes.count >= 16 else {
                throw ConfigError(field: "session.secretFile", "cannot read \(file), or it holds fewer than 16 bytes")
            }
            s.secret = bytes
        } else if let env = v["secretEnv"]?.stringValue {
            guard let value = environment(env), value.utf8.count >= 16 else {
                throw ConfigError(field: "session.secretEnv", "\(env) is unset or shorter than 16 bytes")
            }
            s.secret = Array(value.utf8)
        }
        if let t = v["ttlSeconds"] {
            guard let d = t.doubleValue, d.isFinite, d > 0 else { throw ConfigError(field: "session.ttlSeconds", "must be a positive number") }
            s.ttlSeconds = d
        }
        if let r = v["revocationsFile"] {
            guard let path = r.stringValue, !path.isEmpty else {
                throw ConfigError(field: "session.revocationsFile", "must be a file path (the gateway creates it)")
            }
            s.revocationsFile = path
        }
        return s
    }

    private func sharedState(_ v: JSONValue) throws(ConfigError) -> SharedStateConfig {
        try rejectUnknown(v, allowed: ["redis"], at: "sharedState")
        guard let r = v["redis"] else { throw ConfigError(field: "sharedState.redis", "required: { \"url\": \"redis://host:port/db\" }") }
        try rejectUnknown(r, allowed: ["url", "keyPrefix", "timeoutMs", "revocationPollMs", "passwordFile", "passwordEnv", "tls"],
                          at: "sharedState.redis")
        guard let url = r["url"]?.stringValue else {
            throw ConfigError(field: "sharedState.redis.url", "required: redis://[user[:password]@]host[:port][/db]")
        }
        // The URL may carry a password (discouraged: config files get copied); the message never echoes it.
        guard var c = SharedStateConfig.parse(url: url) else {
            throw ConfigError(field: "sharedState.redis.url", "not a redis://[user[:password]@]host[:port][/db] URL")
        }
        if let t = r["tls"] {
            try rejectUnknown(t, allowed: ["caFile", "serverName", "certificateFile", "privateKeyFile"], at: "sharedState.redis.tls")
            guard c.tls != nil else { throw ConfigError(field: "sharedState.redis.tls", "needs a rediss:// URL") }
            var tls = SharedStateConfig.TLS()
            for (field, path) in [("caFile", \SharedStateConfig.TLS.caFile), ("certificateFile", \.certificateFile), ("privateKeyFile", \.privateKeyFile)] {
                guard let file = t[field]?.stringValue else { continue }
                guard readFile(file) != nil else { throw ConfigError(field: "sharedState.redis.tls.\(field)", "cannot read \(file)") }
                tls[keyPath: path] = file
            }
            tls.serverName = t["serverName"]?.stringValue
            guard (tls.certificateFile == nil) == (tls.privateKeyFile == nil) else {
                throw ConfigError(field: "sharedState.redis.tls", "certificateFile and privateKeyFile go together")
            }
            c.tls = tls
        }
        if let file = r["passwordFile"]?.stringValue {
            guard var bytes = readFile(file) else { throw ConfigError(field: "sharedState.redis.passwordFile", "cannot read \(file)") }
            while let last = bytes.last, last == 10 || last == 13 || last == 32 || last == 9 { bytes.removeLast() }
            c.password = String(decoding: bytes, as: UTF8.self)
        } else if let env = r["passwordEnv"]?.stringValue {
            guard let value = environment(env) else {
                throw ConfigError(field: "sharedState.redis.passwordEnv", "environment variable \(env) is not set")
            }
            c.password = value
        }
        if let p = r["keyPrefix"] {
            guard let s = p.stringValue, s.utf8.count <= 64 else { throw ConfigError(field: "sharedState.redis.keyPrefix", "must be a string of at most 64 bytes") }
            c.keyPrefix = s
        }
        if let t = r["timeoutMs"] {
            let ms = try positiveInt(t, at: "sharedState.redis.timeoutMs")
            guard ms <= 10_000 else { throw ConfigError(field: "sharedState.redis.timeoutMs", "must be at most 10000") }
            c.timeoutMs = ms
        }
        if let t = r["revocationPollMs"] {
            let ms = try positiveInt(t, at: "sharedState.redis.revocationPollMs")
            guard ms >= 10, ms <= 60_000 else { throw ConfigError(field: "sharedState.redis.revocationPollMs", "must be 10 to 60000") }
            c.revocationPollMs = ms
        }
        return c
    }

    private func catalog(_ v: JSONValue) throws(ConfigError) -> CatalogConfig {
        try rejectUnknown(v, allowed: ["refreshSeconds", "failureThreshold", "pageSize", "staleSeconds", "maxToolNameLength"], at: "catalog")
        var c = CatalogConfig()
        if let r = v["refreshSeconds"] {
            guard let d = r.doubleValue, d.isFinite, d >= 1 else { throw ConfigError(field: "catalog.refreshSeconds", "must be at least 1") }
            c.refreshSeconds = d
        }
        if let f = v["failureThreshold"] { c.failureThreshold = try positiveInt(f, at: "catalog.failureThreshold") }
        if let p = v["pageSize"] { c.pageSize = try positiveInt(p, at: "catalog.pageSize") }
        if let s = v["staleSeconds"] {
            guard let d = s.doubleValue, d.isFinite, d >= 0 else { throw ConfigError(field: "catalog.staleSeconds", "must be a number of seconds, 0 or more") }
            c.staleSeconds = d
        }
        if let m = v["maxToolNameLength"] {
            let n = try positiveInt(m, at: "catalog.maxToolNameLength")
            guard n >= 16, n <= ToolNameRules.maxLength else {
                throw ConfigError(field: "catalog.maxToolNameLength", "must be between 16 and \(ToolNameRules.maxLength)")
            }
            c.maxToolNameLength = n
        }
        return c
    }

    private func checkUnique(_ servers: [ServerConfig]) throws(ConfigError) {
        for (i, s) in servers.enumerated() {
            for (j, o) in servers.enumerated() where j < i {
                if o.name == s.name { throw ConfigError(field: "servers[\(i)].name", "duplicate server name \"\(s.name)\" (also servers[\(j)])") }
                if o.prefix == s.prefix {
                    throw ConfigError(field: "servers[\(i)].prefix", "duplicate prefix \"\(s.prefix)\" (also servers[\(j)])")
                }
            }
        }
    }

    private func stringList(_ v: JSONValue?, at path: String) throws(ConfigError) -> [String] {
        guard let v else { return [] }
        guard let list = v.arrayValue else { throw ConfigError(field: path, "must be a list of strings") }
        var out: [String] = []
        for item in list {
            guard let s = item.stringValue else { throw ConfigError(field: path, "must be a list of strings") }
            out.append(s)
        }
        return out
    }

    private func positiveInt(_ v: JSONValue, at path: String) throws(ConfigError) -> Int {
        guard let n = v.intValue, n > 0 else { throw ConfigError(field: path, "must be a positive integer") }
        return n
    }

    /// Lower-case DNS-label style, like Kubernetes names: it doubles as a (case-insensitive) URI scheme.
    static func isValidServerName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first >= 0x61, first <= 0x7A, name.utf8.count <= 63 else { return false }
        return name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "-") }
    }

    /// A misspelt key is a silent misconfiguration; refusing it is kinder.
    private func rejectUnknown(_ v: JSONValue, allowed: Set<String>, at path: String) throws(ConfigError) {
        guard let members = v.objectValue else { throw ConfigError(field: path, "must be an object") }
        for m in members where !allowed.contains(m.key) {
            throw ConfigError(field: path.isEmpty ? m.key : "\(path).\(m.key)", "unknown setting (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
    }
}
