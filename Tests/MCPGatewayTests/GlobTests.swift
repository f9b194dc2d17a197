@testable import MCPGateway
import Testing

@Suite struct GlobTests {
    @Test(arguments: [
        ("*", ""), ("*", "anything"), ("add", "add"), ("a?d", "add"), ("a*", "a"), ("a*", "abc"),
        ("*c", "abc"), ("a*c", "ac"), ("a*c", "abbbc"), ("*b*", "abc"), ("a*b*c", "aXbYc"), ("a**c", "ac"),
        ("???", "abc"), ("*_admin", "secret_admin"), ("a*a", "aaa"), ("*a*a*", "banana"),
        ("wetter.*", "wetter.müller"), ("wetter.m?ller", "wetter.mxller"),
        // `?` is one character, also when it is not ASCII.
        ("wetter.m?ller", "wetter.müller"), ("?", "ü"), ("??", "🎉x"),
        // A `*` in the pattern is a wildcard even where the text holds a literal `*`.
        ("*", "*a"), ("a*", "a*b"), ("*b", "**b"), ("system:*", "system:*:x"),
    ])
    func matches(_ pattern: String, _ text: String) {
        #expect(Glob.matches(pattern, text))
    }

    @Test(arguments: [
        ("add", "ad"), ("add", "addd"), ("add", "Add"), ("a?d", "ad"), ("a*c", "ab"), ("*c", "cb"),
        ("???", "ab"), ("???", "abcd"), ("", "a"), ("a*b*c", "aXbY"), ("?", ""), ("*x", ""),
        ("??", "ü"), ("a?", "a"),
        // Scalars, not canonical equivalence: a precomposed é is not e + a combining accent (the
        // literal and `prefix*` fast paths compare bytes, as the general matcher compares scalars).
        ("\u{E9}", "e\u{301}"), ("caf\u{E9}*", "cafe\u{301}s"), ("e\u{301}", "\u{E9}"),
    ])
    func doesNotMatch(_ pattern: String, _ text: String) {
        #expect(!Glob.matches(pattern, text))
    }

    /// Reference matcher: dynamic programming over characters.
    static func reference(_ pattern: [Character], _ text: [Character]) -> Bool {
        var dp = Array(repeating: Array(repeating: false, count: text.count + 1), count: pattern.count + 1)
        dp[0][0] = true
        for i in stride(from: 1, through: pattern.count, by: 1) {
            for j in 0...text.count {
                switch pattern[i - 1] {
                case "*": dp[i][j] = dp[i - 1][j] || (j > 0 && dp[i][j - 1])
                case "?": dp[i][j] = j > 0 && dp[i - 1][j - 1]
                case let c: dp[i][j] = j > 0 && dp[i - 1][j - 1] && text[j - 1] == c
                }
            }
        }
        return dp[pattern.count][text.count]
    }

    static func all(_ alphabet: [Character], upTo length: Int) -> [[Character]] {
        var out: [[Character]] = [[]], layer: [[Character]] = [[]]
        for _ in 0..<length {
            layer = layer.flatMap { w in alphabet.map { w + [$0] } }
            out += layer
        }
        return out
    }

    @Test func agreesWithAReferenceOnAllShortInputs() {
        var mismatches: [String] = []
        for p in Self.all(["a", "ü", "*", "?"], upTo: 4) {
            for t in Self.all(["a", "ü", "*"], upTo: 4) where Glob.matches(String(p), String(t)) != Self.reference(p, t) {
                mismatches.append("\(String(p)) ~ \(String(t))")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }

    @Test func emptyPatternMatchesOnlyEmpty() {
        #expect(Glob.matches("", ""))
        #expect(!Glob.matches("", " "))
    }
}

@Suite struct ToolFilterTests {
    @Test func emptyAllowListAdmitsEverything() {
        let filter = ToolFilter()
        for name in ["add", "", "x.y-z", "secret"] { #expect(filter.admits(name)) }
    }

    @Test func allowListRestricts() {
        let filter = ToolFilter(allow: ["add", "sub*"])
        #expect(filter.admits("add"))
        #expect(filter.admits("subtract"))
        #expect(!filter.admits("multiply"))
        #expect(!filter.admits("addition"))
    }

    @Test func denyWinsOverAllow() {
        let filter = ToolFilter(allow: ["*"], deny: ["delete_*", "drop"])
        #expect(filter.admits("select"))
        #expect(!filter.admits("delete_all"))
        #expect(!filter.admits("drop"))
        let both = ToolFilter(allow: ["drop"], deny: ["drop"])
        #expect(!both.admits("drop"))
    }

    @Test func denyOnlyAdmitsTheRest() {
        let filter = ToolFilter(deny: ["*admin*"])
        #expect(filter.admits("add"))
        #expect(!filter.admits("secret_admin"))
        #expect(!filter.admits("admin"))
    }
}

@Suite struct ToolNameRulesTests {
    @Test(arguments: ["a", "github__search", "github.search", "A-Z_0.9", String(repeating: "x", count: 128)])
    func valid(_ name: String) { #expect(ToolNameRules.isValid(name)) }

    @Test(arguments: ["", "github/search", "a b", "a:b", "a,b", "wetter.müller", String(repeating: "x", count: 129)])
    func invalid(_ name: String) { #expect(!ToolNameRules.isValid(name)) }

    @Test func prefixes() {
        #expect(ToolNameRules.isValidPrefix(""))
        #expect(ToolNameRules.isValidPrefix("calc_"))
        #expect(ToolNameRules.isValidPrefix("x.y-"))
        #expect(ToolNameRules.isValidPrefix(String(repeating: "p", count: 127)))
        // A prefix must leave room for at least one character of the tool's own name.
        #expect(!ToolNameRules.isValidPrefix(String(repeating: "p", count: 128)))
        #expect(!ToolNameRules.isValidPrefix("calc/"))
        #expect(!ToolNameRules.isValidPrefix("calc:"))
    }
}
