import Testing

@testable import LumenBoard

/// A pattern that lists names (`^(?:a|b|…)$`, as the UI selects runs) is looked up in a set; it
/// must match exactly the names the regular expression matches.
@Suite struct NamePatternTests {
    /// The UI's escaping of a name (`exactPattern` in compare.js).
    static func escaped(_ name: String) -> String {
        var out = ""
        for character in name {
            if ".*+?^${}()|[]\\".contains(character) { out.append("\\") }
            out.append(character)
        }
        return out
    }

    @Test func listedNamesMatchAsTheRegexDoes() throws {
        let listed = ["run", "a.b", "x|y", "(seed 1)", "100%", "[lr=0.1]", "back\\slash", "", "café", "a$", "^b"]
        let others = [
            "run2", "Run", "arun", "aXb", "x", "y", "seed 1", "a", "b", "cafe", "café\n", "run\n", "back\\\\slash",
            "a$\n", " ", "caf\u{0065}\u{0301}",
        ]
        let pattern = "^(?:" + listed.map(Self.escaped).joined(separator: "|") + ")$"
        #expect(NamePattern.literalAlternatives(pattern) == Set(listed))
        let fast = try NamePattern(pattern, parameter: "runs")
        let regex = try Regex(pattern)
        for name in listed + others {
            #expect(fast.matches(name) == ((try? regex.firstMatch(in: name)) != nil), "\(name.debugDescription)")
        }
        for name in listed { #expect(fast.matches(name)) }
    }

    /// Anything but escaped literals between `^(?:` and `)$` is left to the regex.
    @Test func otherPatternsAreNotLists() {
        for pattern in [
            "^(?:a|b.)$", "^(?:a\\d)$", "^(?:a|b)", "(?:a|b)$", "^(?:a\\)$", "^(?:a(b))$", "run", "^(?:[ab])$",
        ] {
            #expect(NamePattern.literalAlternatives(pattern) == nil, "\(pattern)")
        }
    }
}
