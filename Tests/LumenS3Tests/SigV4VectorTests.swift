import AWSSigV4
import Foundation
import Testing

/// The signer against AWS's published Signature Version 4 test suite (see `SigV4Vectors/README.md`).
@Suite struct SigV4VectorTests {
    static let directory = Bundle.module.resourceURL?.appendingPathComponent("SigV4Vectors")
    static let signer = SigV4Signer(
        credentials: AWSCredentials(
            accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1", service: "service")

    static var cases: [String] {
        guard let directory,
            let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path)
        else { return [] }
        return names.filter { $0.hasSuffix(".req") }.map { String($0.dropLast(4)) }.sorted()
    }

    @Test func theSuiteIsThere() {
        #expect(Self.cases.count >= 18)
    }

    @Test(arguments: cases) func vector(name: String) throws {
        let directory = try #require(Self.directory)
        func file(_ suffix: String) -> String? {
            try? String(contentsOf: directory.appendingPathComponent(name + suffix), encoding: .utf8)
        }
        let request = try #require(file(".req"))
        let parsed = try #require(ParsedRequest(request))
        let amzDate = try #require(parsed.headers.first { $0.0.lowercased() == "x-amz-date" }?.1)
        let signing = Self.signer.sign(
            method: parsed.method, path: parsed.path, query: parsed.query, headers: parsed.headers,
            payloadHash: SigV4Signer.hexSHA256(Array(parsed.body.utf8)), amzDate: amzDate)
        if let canonical = file(".creq") { #expect(signing.canonicalRequest == canonical) }
        if let stringToSign = file(".sts") { #expect(signing.stringToSign == stringToSign) }
        #expect(signing.authorization == file(".authz"))
    }

    @Test func encodingKeepsOnlyUnreservedCharacters() {
        #expect(SigV4Signer.encode("a b/c+d~é", keepingSlash: true) == "a%20b/c%2Bd~%C3%A9")
        #expect(SigV4Signer.encode("a/b", keepingSlash: false) == "a%2Fb")
    }

    @Test func amzDateIsUTC() {
        #expect(SigV4Signer.amzDate(Date(timeIntervalSince1970: 1_440_938_160)) == "20150830T123600Z")
    }
}

/// A request in the test suite's `.req` format: `METHOD PATH?QUERY HTTP/1.1`, `Name:value` header
/// lines, an empty line and the body.
struct ParsedRequest {
    var method: String
    var path: String
    var query: [(String, String)]
    var headers: [(String, String)]
    var body: String

    init?(_ text: String) {
        let (head, body) =
            text.range(of: "\n\n").map { (String(text[..<$0.lowerBound]), String(text[$0.upperBound...])) }
            ?? (text, "")
        var lines = head.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard !lines.isEmpty else { return nil }
        let requestLine = lines.removeFirst()
        guard let firstSpace = requestLine.firstIndex(of: " "),
            let lastSpace = requestLine.range(of: " HTTP/", options: .backwards)
        else { return nil }
        method = String(requestLine[..<firstSpace])
        let target = String(requestLine[requestLine.index(after: firstSpace)..<lastSpace.lowerBound])
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        path = String(parts[0])
        query =
            parts.count > 1
            ? parts[1].split(separator: "&").map { item in
                let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                return (
                    String(pair[0]).removingPercentEncoding ?? String(pair[0]),
                    pair.count > 1 ? (String(pair[1]).removingPercentEncoding ?? String(pair[1])) : ""
                )
            }
            : []
        headers = lines.compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), String(line[line.index(after: colon)...]))
        }
        self.body = body
    }
}
