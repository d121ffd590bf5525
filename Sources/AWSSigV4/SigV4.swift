import Crypto
import Foundation

/// The keys a request is signed with: an access key, its secret, and for temporary credentials a
/// session token.
public struct AWSCredentials: Sendable, Equatable {
    /// The access key id (`AWS_ACCESS_KEY_ID`).
    public var accessKeyID: String
    /// The secret access key (`AWS_SECRET_ACCESS_KEY`).
    public var secretAccessKey: String
    /// The session token of temporary credentials (`AWS_SESSION_TOKEN`), sent as
    /// `X-Amz-Security-Token`.
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }
}

/// Signs HTTP requests with AWS Signature Version 4 (`AWS4-HMAC-SHA256`).
///
/// The signer works on a request's parts as they go on the wire's meaning: the path and the query
/// items unencoded (the signer encodes them as SigV4 prescribes, and ``encode(_:keepingSlash:)``
/// gives the same encoding for the URL), headers as name/value pairs (a name may repeat).
///
/// ```swift
/// let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "s3")
/// let headers = signer.signedHeaders(method: "GET", path: "/bucket/key", query: [],
///                                    headers: [("host", "s3.amazonaws.com")],
///                                    payloadHash: SigV4Signer.emptyPayloadHash, date: Date())
/// ```
public struct SigV4Signer: Sendable {
    /// The credentials requests are signed with.
    public var credentials: AWSCredentials
    /// The region of the credential scope, e.g. `us-east-1`.
    public var region: String
    /// The service of the credential scope, e.g. `s3`.
    public var service: String

    /// The SHA-256 of an empty body, in hex.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    /// The payload hash S3 accepts in place of the body's hash (`x-amz-content-sha256`).
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"

    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The parts of one signing: what was signed and the resulting `Authorization` value.
    public struct Signing: Sendable, Equatable {
        /// The canonical request (task 1 of the signing process).
        public var canonicalRequest: String
        /// The string to sign (task 2).
        public var stringToSign: String
        /// The `;`-joined lowercase names of the signed headers.
        public var signedHeaders: String
        /// The signature, in hex (task 3).
        public var signature: String
        /// The `Authorization` header's value.
        public var authorization: String
    }

    /// Signs a request whose headers already hold `X-Amz-Date` (and, for temporary credentials,
    /// `X-Amz-Security-Token`): every given header is signed.
    ///
    /// - Parameters:
    ///   - path: The path, unencoded (`/` separates segments).
    ///   - query: The query items, unencoded, in any order.
    ///   - headers: Every header to sign, including `Host`.
    ///   - payloadHash: The body's SHA-256 in hex (``hexSHA256(_:)``), or ``unsignedPayload``.
    ///   - amzDate: The `X-Amz-Date` value, `yyyyMMdd'T'HHmmss'Z'`.
    public func sign(
        method: String, path: String, query: [(String, String)], headers: [(String, String)],
        payloadHash: String, amzDate: String
    ) -> Signing {
        // Canonical headers: lowercase names, sorted; values trimmed with inner runs of spaces made
        // one; a repeated name's values joined by commas in the order given.
        var merged: [String: [String]] = [:]
        for (name, value) in headers {
            merged[name.lowercased(), default: []].append(Self.trimmed(value))
        }
        let names = merged.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(merged[$0, default: []].joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let canonicalQuery = Self.canonicalQuery(query).map { "\($0.name)=\($0.value)" }.joined(separator: "&")
        let canonicalPath = path.isEmpty ? "/" : Self.encode(path, keepingSlash: true)
        let canonicalRequest = [
            method, canonicalPath, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash,
        ].joined(separator: "\n")

        let day = String(amzDate.prefix(8))
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = [
            "AWS4-HMAC-SHA256", amzDate, scope, Self.hexSHA256(Array(canonicalRequest.utf8)),
        ].joined(separator: "\n")

        var key = SymmetricKey(data: Array(("AWS4" + credentials.secretAccessKey).utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
        let authorization =
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return Signing(
            canonicalRequest: canonicalRequest, stringToSign: stringToSign, signedHeaders: signedHeaders,
            signature: signature, authorization: authorization)
    }

    /// Returns `headers` with what a signed request adds: `X-Amz-Date`, `X-Amz-Content-Sha256`,
    /// `X-Amz-Security-Token` for temporary credentials, and `Authorization`.
    ///
    /// - Parameter headers: The request's own headers, `Host` among them; all are signed.
    public func signedHeaders(
        method: String, path: String, query: [(String, String)], headers: [(String, String)],
        payloadHash: String, date: Date
    ) -> [(String, String)] {
        let amzDate = Self.amzDate(date)
        var all = headers
        all.append(("x-amz-date", amzDate))
        all.append(("x-amz-content-sha256", payloadHash))
        if let token = credentials.sessionToken { all.append(("x-amz-security-token", token)) }
        let signing = sign(
            method: method, path: path, query: query, headers: all, payloadHash: payloadHash, amzDate: amzDate)
        all.append(("authorization", signing.authorization))
        return all
    }

    /// The query items encoded with ``encode(_:keepingSlash:)`` and sorted by name, then value:
    /// the order of the canonical request, which the request's URL uses too.
    public static func canonicalQuery(_ query: [(String, String)]) -> [(name: String, value: String)] {
        let encoded: [(name: String, value: String)] = query.map { item in
            (name: encode(item.0, keepingSlash: false), value: encode(item.1, keepingSlash: false))
        }
        return encoded.sorted { a, b in a.name != b.name ? a.name < b.name : a.value < b.value }
    }

    /// `date` as `X-Amz-Date` gives it: `yyyyMMdd'T'HHmmss'Z'` in UTC.
    public static func amzDate(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String {
            let v = value ?? 0
            return v < 10 ? "0\(v)" : "\(v)"
        }
        return "\(c.year ?? 1970)\(two(c.month))\(two(c.day))T\(two(c.hour))\(two(c.minute))\(two(c.second))Z"
    }

    /// Percent-encodes `text` as SigV4 requires: every byte of its UTF-8 but `A-Z a-z 0-9 - . _ ~`
    /// (and `/` when `keepingSlash`) becomes `%XX` with uppercase hex.
    public static func encode(_ text: String, keepingSlash: Bool) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        let digits = Array("0123456789ABCDEF")
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.append(Character(UnicodeScalar(byte)))
            case UInt8(ascii: "/") where keepingSlash:
                out.append("/")
            default:
                out.append("%")
                out.append(digits[Int(byte >> 4)])
                out.append(digits[Int(byte & 15)])
            }
        }
        return out
    }

    /// The SHA-256 of `bytes`, in lowercase hex.
    public static func hexSHA256(_ bytes: some DataProtocol) -> String {
        hex(SHA256.hash(data: bytes))
    }

    private static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef")
        var out = ""
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return out
    }

    /// A header value with leading and trailing spaces removed and inner runs of spaces made one.
    private static func trimmed(_ value: String) -> String {
        var out = ""
        var lastWasSpace = false
        for character in value.trimmingCharacters(in: .whitespaces) {
            if character == " " {
                if !lastWasSpace { out.append(" ") }
                lastWasSpace = true
            } else {
                out.append(character)
                lastWasSpace = false
            }
        }
        return out
    }
}
