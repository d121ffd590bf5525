/// Why an S3 request failed, as one line naming the bucket and what to fix.
public enum S3Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// No credentials were found.
    case noCredentials(bucket: String, detail: String)
    /// The endpoint (`--s3-endpoint`, `AWS_ENDPOINT_URL`…) is not an http(s) URL.
    case badEndpoint(bucket: String, endpoint: String)
    /// The store refused the credentials or their rights (403).
    case accessDenied(bucket: String, code: String, message: String)
    /// The bucket doesn't exist at the endpoint.
    case noSuchBucket(bucket: String, endpoint: String)
    /// The bucket lives in another region than the one requests are signed for.
    case wrongRegion(bucket: String, region: String?)
    /// The object doesn't exist (any more).
    case noSuchKey(bucket: String, key: String)
    /// The object changed since its ETag was read (`If-Match` failed).
    case changed(bucket: String, key: String)
    /// The endpoint couldn't be reached (DNS, refused connection, TLS).
    case unreachable(bucket: String, endpoint: String, reason: String)
    /// A transient failure (5xx, throttling, reset connection) that outlasted every retry.
    case unavailable(bucket: String, attempts: Int, reason: String)
    /// Another error answer from the store.
    case failed(bucket: String, status: Int, code: String, message: String)

    /// Whether trying again later may succeed.
    public var isTransient: Bool {
        switch self {
        case .unavailable, .unreachable: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case let .noCredentials(bucket, detail):
            "s3://\(bucket): no AWS credentials: \(detail)"
        case let .badEndpoint(bucket, endpoint):
            "s3://\(bucket): the S3 endpoint '\(endpoint)' is not an http:// or https:// URL: fix --s3-endpoint, AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL"
        case let .accessDenied(bucket, code, message):
            "s3://\(bucket): access denied (403 \(code)\(message.isEmpty ? "" : ": " + message)): check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) and that they may list and read the bucket"
        case let .noSuchBucket(bucket, endpoint):
            "s3://\(bucket): no such bucket at \(endpoint): check the bucket's name, and the endpoint (--s3-endpoint, AWS_ENDPOINT_URL) or region (AWS_REGION)"
        case let .wrongRegion(bucket, region):
            "s3://\(bucket): the bucket is in another region\(region.map { " (\($0))" } ?? ""): set AWS_REGION\(region.map { "=\($0)" } ?? " to the bucket's region")"
        case let .noSuchKey(bucket, key):
            "s3://\(bucket)/\(key): no such object (deleted?)"
        case let .changed(bucket, key):
            "s3://\(bucket)/\(key): the object was replaced while being read"
        case let .unreachable(bucket, endpoint, reason):
            "s3://\(bucket): can't reach \(endpoint) (\(reason)): check the endpoint (--s3-endpoint, AWS_ENDPOINT_URL), the network and DNS"
        case let .unavailable(bucket, attempts, reason):
            "s3://\(bucket): the store kept failing (\(reason)) after \(attempts) attempts: try again later"
        case let .failed(bucket, status, code, message):
            "s3://\(bucket): the store answered \(status) \(code)\(message.isEmpty ? "" : ": " + message)"
        }
    }
}
