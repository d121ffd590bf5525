import AWSSigV4
import Foundation

/// A bucket and a key prefix, parsed from an `s3://BUCKET/PREFIX` URL.
public struct S3Location: Sendable, Hashable, CustomStringConvertible {
    /// The bucket's name.
    public var bucket: String
    /// The key prefix, without a leading `/`; empty for the whole bucket.
    public var prefix: String

    public init(bucket: String, prefix: String) {
        self.bucket = bucket
        self.prefix = prefix
    }

    /// Parses `s3://BUCKET` or `s3://BUCKET/PREFIX`; `nil` for anything else.
    public init?(url: String) {
        guard url.hasPrefix("s3://") else { return nil }
        let rest = url.dropFirst(5)
        let bucket = rest.prefix { $0 != "/" }
        guard !bucket.isEmpty else { return nil }
        self.bucket = String(bucket)
        self.prefix = String(rest.dropFirst(bucket.count).drop { $0 == "/" })
    }

    /// Whether `path` is an `s3://` URL.
    public static func isS3(_ path: String) -> Bool { path.hasPrefix("s3://") }

    /// The URL of the object `key` of this location's bucket.
    public func url(forKey key: String) -> String { "s3://\(bucket)/\(key)" }

    public var description: String { prefix.isEmpty ? "s3://\(bucket)" : "s3://\(bucket)/\(prefix)" }
}

/// Where and as whom to reach S3: credentials, region and endpoint, resolved from the environment
/// as the AWS command-line tools do.
public struct S3Configuration: Sendable, Equatable {
    /// The signing credentials.
    public var credentials: AWSCredentials
    /// The region requests are signed for.
    public var region: String
    /// A custom endpoint (an S3-compatible store), addressed path-style (`ENDPOINT/BUCKET/KEY`);
    /// `nil` for AWS's own, addressed virtual-host style (`BUCKET.s3.REGION.amazonaws.com`).
    public var endpoint: URL?

    public init(credentials: AWSCredentials, region: String = "us-east-1", endpoint: URL? = nil) {
        self.credentials = credentials
        self.region = region
        self.endpoint = endpoint
    }

    /// Resolves the configuration:
    /// - credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, else
    ///   from the profile `AWS_PROFILE` (default `default`) of `~/.aws/credentials`
    ///   (`AWS_SHARED_CREDENTIALS_FILE` names another file);
    /// - the region from `AWS_REGION`, else `AWS_DEFAULT_REGION`, else `us-east-1`;
    /// - the endpoint from `endpointOverride` (`--s3-endpoint`), else `AWS_ENDPOINT_URL_S3`, else
    ///   `AWS_ENDPOINT_URL`.
    ///
    /// - Parameter bucket: Named in the error messages.
    /// - Throws: ``S3Error/noCredentials(bucket:detail:)`` or ``S3Error/badEndpoint(bucket:endpoint:)``.
    public static func resolve(
        bucket: String, endpointOverride: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(S3Error) -> S3Configuration {
        func value(_ name: String) -> String? {
            guard let text = environment[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return text
        }
        let credentials: AWSCredentials
        if let key = value("AWS_ACCESS_KEY_ID") {
            guard let secret = value("AWS_SECRET_ACCESS_KEY") else {
                throw .noCredentials(
                    bucket: bucket, detail: "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both")
            }
            credentials = AWSCredentials(
                accessKeyID: key, secretAccessKey: secret, sessionToken: value("AWS_SESSION_TOKEN"))
        } else {
            let profile = value("AWS_PROFILE") ?? "default"
            let file =
                value("AWS_SHARED_CREDENTIALS_FILE")
                ?? ((value("HOME") ?? NSHomeDirectory()) as NSString).appendingPathComponent(".aws/credentials")
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw .noCredentials(
                    bucket: bucket,
                    detail:
                        "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or write a [\(profile)] profile in \(file) (AWS_PROFILE picks the profile)"
                )
            }
            let section = parseINI(text)[profile] ?? [:]
            guard let key = section["aws_access_key_id"], let secret = section["aws_secret_access_key"] else {
                throw .noCredentials(
                    bucket: bucket,
                    detail:
                        "\(file) has no aws_access_key_id and aws_secret_access_key in profile [\(profile)]: add them, set AWS_PROFILE to a profile that has them, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
                )
            }
            credentials = AWSCredentials(
                accessKeyID: key, secretAccessKey: secret, sessionToken: section["aws_session_token"])
        }
        let region = value("AWS_REGION") ?? value("AWS_DEFAULT_REGION") ?? "us-east-1"
        var endpoint: URL?
        if let text = endpointOverride ?? value("AWS_ENDPOINT_URL_S3") ?? value("AWS_ENDPOINT_URL") {
            guard let url = URL(string: text), let scheme = url.scheme, scheme == "http" || scheme == "https",
                url.host != nil
            else { throw .badEndpoint(bucket: bucket, endpoint: text) }
            endpoint = url
        }
        return S3Configuration(credentials: credentials, region: region, endpoint: endpoint)
    }

    /// The sections of an INI file (`[name]` then `key = value` lines; `#`/`;` start comments).
    static func parseINI(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                var name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                if name.hasPrefix("profile ") { name = String(name.dropFirst(8)).trimmingCharacters(in: .whitespaces) }
                current = name
                continue
            }
            guard let current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            sections[current, default: [:]][key] = value
        }
        return sections
    }

    /// The endpoint requests go to, as text without a trailing `/`.
    public var endpointDescription: String {
        endpoint.map { $0.absoluteString.hasSuffix("/") ? String($0.absoluteString.dropLast()) : $0.absoluteString }
            ?? "https://s3.\(region).amazonaws.com"
    }
}
