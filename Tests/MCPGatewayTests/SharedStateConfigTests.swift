@testable import MCPGateway
import Testing

struct SharedStateConfigTests {
    static func load(_ shared: String, files: [String: String] = [:], env: [String: String] = [:]) throws(ConfigError) -> SharedStateConfig? {
        let json = #"{"servers": [{"name": "a", "url": "http://a:1/mcp"}], "sharedState": "# + shared + "}"
        return try GatewayConfigLoader.fake(files: files, env: env).parse(utf8(json)).sharedState
    }

    @Test func absentMeansNoSharedState() throws {
        let config = try GatewayConfigLoader.fake().parse(utf8(#"{"servers": [{"name": "a", "url": "http://a:1/mcp"}]}"#))
        #expect(config.sharedState == nil)
    }

    @Test func parsesURLAndDefaults() throws {
        let c = try #require(try Self.load(#"{"redis": {"url": "redis://cache.svc:6380/2"}}"#))
        #expect(c.host == "cache.svc" && c.port == 6380 && c.database == 2)
        #expect(c.username == nil && c.password == nil)
        #expect(c.keyPrefix == "mcpgw:" && c.timeoutMs == 50 && c.revocationPollMs == 250)
        let d = try #require(try Self.load(#"{"redis": {"url": "redis://localhost", "keyPrefix": "gw1:", "timeoutMs": 20, "revocationPollMs": 100}}"#))
        #expect(d.host == "localhost" && d.port == 6379 && d.database == 0)
        #expect(d.keyPrefix == "gw1:" && d.timeoutMs == 20 && d.revocationPollMs == 100)
    }

    @Test func redissMeansTLSWithOptionalTrustSettings() throws {
        let plain = try #require(try Self.load(#"{"redis": {"url": "redis://h"}}"#))
        #expect(plain.tls == nil)
        let secure = try #require(try Self.load(#"{"redis": {"url": "rediss://h:6380"}}"#))
        #expect(secure.tls == SharedStateConfig.TLS() && secure.port == 6380)
        #expect(secure.description.hasPrefix("rediss://"))
        let full = try #require(try Self.load(#"{"redis": {"url": "rediss://h", "tls": {"caFile": "/ca", "serverName": "redis.svc", "certificateFile": "/c", "privateKeyFile": "/k"}}}"#,
                                              files: ["/ca": "x", "/c": "x", "/k": "x"]))
        #expect(full.tls?.caFile == "/ca" && full.tls?.serverName == "redis.svc" && full.tls?.certificateFile == "/c" && full.tls?.privateKeyFile == "/k")
        for bad in [#"{"redis": {"url": "redis://h", "tls": {}}}"#,                              // tls settings without rediss://
                    #"{"redis": {"url": "rediss://h", "tls": {"caFile": "/missing"}}}"#,       // unreadable
                    #"{"redis": {"url": "rediss://h", "tls": {"certificateFile": "/ca"}}}"#,   // certificate without key
                    #"{"redis": {"url": "rediss://h", "tls": {"verify": false}}}"#] {          // unknown field
            #expect(throws: ConfigError.self) { try Self.load(bad, files: ["/ca": "x"]) }
        }
    }

    @Test func credentialsFromURLFileOrEnv() throws {
        let u = try #require(SharedStateConfig.parse(url: "redis://gw:p%40ss@h:1/0"))
        #expect(u.username == "gw" && u.password == "p@ss" && u.host == "h" && u.port == 1)
        let p = try #require(SharedStateConfig.parse(url: "redis://:only@h"))
        #expect(p.username == nil && p.password == "only")
        let v6 = try #require(SharedStateConfig.parse(url: "redis://[::1]:7000"))
        #expect(v6.host == "::1" && v6.port == 7000)
        let f = try #require(try Self.load(#"{"redis": {"url": "redis://gw@h", "passwordFile": "/s/redis"}}"#, files: ["/s/redis": "from-file\n"]))
        #expect(f.username == "gw" && f.password == "from-file")
        let e = try #require(try Self.load(#"{"redis": {"url": "redis://h", "passwordEnv": "REDIS_PW"}}"#, env: ["REDIS_PW": "from-env"]))
        #expect(e.password == "from-env")
        // The description (what logs may print) never carries the password.
        #expect(!String(describing: f).contains("from-file") && String(describing: f).contains("password set"))
    }

    @Test func refusesBadValues() {
        for bad in [#"{}"#, #"{"redis": {}}"#, #"{"redis": {"url": "http://h"}}"#, #"{"redis": {"url": "redis://h:99999"}}"#,
                    #"{"redis": {"url": "redis://h/x"}}"#, #"{"redis": {"url": "redis://"}}"#,
                    #"{"redis": {"url": "redis://h", "timeoutMs": 0}}"#, #"{"redis": {"url": "redis://h", "timeoutMs": 20000}}"#,
                    #"{"redis": {"url": "redis://h", "revocationPollMs": 1}}"#, #"{"redis": {"url": "redis://h", "bogus": 1}}"#,
                    #"{"redis": {"url": "redis://h", "passwordFile": "/missing"}}"#,
                    #"{"redis": {"url": "redis://h", "passwordEnv": "UNSET"}}"#] {
            #expect(throws: ConfigError.self, "\(bad)") { try Self.load(bad) }
        }
        // A refused URL's message does not echo the password it held.
        do { _ = try Self.load(#"{"redis": {"url": "redis://u:hunter2@h:notaport"}}"#); Issue.record("accepted") } catch {
            #expect(!error.description.contains("hunter2"))
        }
    }
}
