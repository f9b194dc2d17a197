/// Which servers and tools each caller may use.
///
/// Rules match callers by subject, group or service account (globs). A caller's grants are the
/// union over matching rules: `servers` grants every tool, prompt and resource of a server,
/// `tools` grants tools by their public (prefixed) name; `deny` removes tools again. Without
/// any rule everything is allowed; with rules, a caller no rule matches sees nothing.
public struct AccessPolicy: Sendable, Equatable {
    public struct Rule: Sendable, Equatable {
        public var subjects: [String]
        public var groups: [String]
        public var serviceAccounts: [String]
        public var servers: [String]
        public var tools: [String]
        public var deny: [String]

        public init(subjects: [String] = [], groups: [String] = [], serviceAccounts: [String] = [], servers: [String] = [],
                    tools: [String] = [], deny: [String] = []) {
            self.subjects = subjects
            self.groups = groups
            self.serviceAccounts = serviceAccounts
            self.servers = servers
            self.tools = tools
            self.deny = deny
        }

        public func matches(_ who: CallerIdentity) -> Bool {
            subjects.contains { Glob.matches($0, who.subject) }
                || groups.contains { g in who.groups.contains { Glob.matches(g, $0) } }
                || (who.serviceAccount.map { sa in serviceAccounts.contains { Glob.matches($0, sa) } } ?? false)
        }
    }

    public var rules: [Rule]

    public init(rules: [Rule] = []) {
        self.rules = rules
    }

    public var isOpen: Bool { rules.isEmpty }

    /// The grants of one caller, resolved once per request.
    public func grants(for who: CallerIdentity?) -> Grants {
        guard !rules.isEmpty else { return Grants(all: true) }
        guard let who else { return Grants(all: false) }
        var g = Grants(all: false)
        for rule in rules where rule.matches(who) {
            g.servers += rule.servers
            g.tools += rule.tools
            g.deny += rule.deny
        }
        return g
    }

    public struct Grants: Sendable {
        public static let everything = Grants(all: true)
        /// Exactly these servers (as the gateway's HTTP port learns them from ext_proc).
        public static func servers(_ names: Set<String>) -> Grants { Grants(all: false, servers: names.sorted()) }
        var all: Bool
        public var coversEverything: Bool { all && restrictions.isEmpty }
        var servers: [String] = []
        var tools: [String] = []
        var deny: [String] = []
        /// Further grants every use must also pass (a virtual server's selection and rules).
        var restrictions: [Grants] = []

        /// These grants, narrowed to what each of `others` also grants.
        func restricted(by others: [Grants]) -> Grants {
            var g = self
            g.restrictions += others
            return g
        }

        public func allowsTool(_ entry: FederatedEntry) -> Bool {
            guard restrictions.allSatisfy({ $0.allowsTool(entry) }) else { return false }
            if all { return true }
            if deny.contains(where: { Glob.matches($0, entry.publicName) }) { return false }
            return servers.contains { Glob.matches($0, entry.server) } || tools.contains { Glob.matches($0, entry.publicName) }
        }

        /// Whole servers (their prompts and resources). A virtual server that selects only some
        /// of a server's tools does not grant its prompts and resources.
        public func allowsServer(_ server: String) -> Bool {
            guard restrictions.allSatisfy({ $0.allowsServer(server) }) else { return false }
            return all || servers.contains { Glob.matches($0, server) }
        }
    }
}
