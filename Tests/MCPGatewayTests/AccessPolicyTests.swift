@testable import MCPGateway
import Testing

/// Who may use which servers and tools: rules by subject, group and service account (globs),
/// grants as the union of the matching rules, `deny` taking tools back.
@Suite struct AccessPolicyTests {
    typealias Rule = AccessPolicy.Rule

    let alice = CallerIdentity(subject: "alice@example.com", groups: ["dev", "oncall"], method: "jwt")
    let bot = CallerIdentity(subject: "system:serviceaccount:ci:deployer", groups: ["system:serviceaccounts"],
                             serviceAccount: "ci/deployer", method: "kubernetes")

    func tool(_ server: String, _ name: String) -> FederatedEntry {
        FederatedEntry(publicName: "\(server)_\(name)", server: server, originalName: name, json: Array("{}".utf8))
    }

    @Test func withoutRulesEveryoneMayUseEverything() {
        let open = AccessPolicy()
        #expect(open.isOpen)
        for who in [alice, nil] {
            let g = open.grants(for: who)
            #expect(g.coversEverything)
            #expect(g.allowsTool(tool("calc", "add")))
            #expect(g.allowsServer("anything"))
        }
    }

    @Test func withRulesAnAnonymousOrUnmatchedCallerGetsNothing() {
        let policy = AccessPolicy(rules: [Rule(subjects: ["bob"], servers: ["*"])])
        #expect(!policy.isOpen)
        for g in [policy.grants(for: nil), policy.grants(for: alice)] {
            #expect(!g.coversEverything)
            #expect(!g.allowsTool(tool("calc", "add")))
            #expect(!g.allowsServer("calc"))
        }
    }

    @Test func rulesMatchBySubjectGroupOrServiceAccountGlobs() {
        #expect(Rule(subjects: ["*@example.com"]).matches(alice))
        #expect(!Rule(subjects: ["*@example.org"]).matches(alice))
        #expect(Rule(groups: ["on*"]).matches(alice))
        #expect(!Rule(groups: ["ops"]).matches(alice))
        #expect(Rule(serviceAccounts: ["ci/*"]).matches(bot))
        #expect(!Rule(serviceAccounts: ["prod/*"]).matches(bot))
        // A caller without a service account never matches a service-account rule, even "*".
        #expect(!Rule(serviceAccounts: ["*"]).matches(alice))
        #expect(!Rule().matches(alice))
    }

    @Test func aServerGrantCoversAllItsToolsAndItsPromptsAndResources() {
        let g = AccessPolicy(rules: [Rule(groups: ["dev"], servers: ["calc"])]).grants(for: alice)
        #expect(g.allowsTool(tool("calc", "add")))
        #expect(g.allowsServer("calc"))
        #expect(!g.allowsTool(tool("phys", "velocity")))
        #expect(!g.allowsServer("phys"))
    }

    @Test func aToolGrantCoversThatToolButNotItsServer() {
        let g = AccessPolicy(rules: [Rule(subjects: ["alice*"], tools: ["phys_vel*"])]).grants(for: alice)
        #expect(g.allowsTool(tool("phys", "velocity")))
        #expect(!g.allowsTool(tool("phys", "mass")))
        #expect(!g.allowsServer("phys"))
    }

    @Test func grantsAreTheUnionOfMatchingRulesAndDenyTakesToolsBack() {
        let policy = AccessPolicy(rules: [
            Rule(groups: ["dev"], servers: ["calc"]),
            Rule(groups: ["oncall"], servers: ["phys"], deny: ["phys_reset*"]),
            Rule(subjects: ["someone-else"], servers: ["admin"]),
        ])
        let g = policy.grants(for: alice)
        #expect(g.allowsTool(tool("calc", "add")))
        #expect(g.allowsTool(tool("phys", "velocity")))
        #expect(!g.allowsTool(tool("phys", "reset_all")))
        #expect(!g.allowsServer("admin"))
        // Deny concerns tools only: the server's prompts and resources stay granted.
        #expect(g.allowsServer("phys"))
    }

    @Test func restrictionsMustAlsoGrant() {
        let team = AccessPolicy(rules: [Rule(subjects: ["*"], tools: ["calc_add"])]).grants(for: alice)
        let g = AccessPolicy.Grants.everything.restricted(by: [team])
        #expect(!g.coversEverything)
        #expect(g.allowsTool(tool("calc", "add")))
        #expect(!g.allowsTool(tool("calc", "sub")))
        #expect(!g.allowsServer("calc"))
    }

    @Test func serversGrantsAsLearnedFromExtProc() {
        let g = AccessPolicy.Grants.servers(["calc", "phys"])
        #expect(g.allowsServer("calc") && g.allowsServer("phys"))
        #expect(!g.allowsServer("admin"))
        #expect(g.allowsTool(tool("phys", "velocity")))
    }
}
