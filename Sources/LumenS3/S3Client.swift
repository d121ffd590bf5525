import AWSSigV4
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// How failed requests are tried again: transient failures (5xx answers, throttling, reset or
/// timed-out connections) wait `baseDelay · 2ⁿ` (at most `maxDelay`, with jitter) and try again,
/// up to `attempts` tries in all.
public struct S3RetryPolicy: Sendable, Equatable {
    /// Tries per request, the first included.
    public var attempts: Int
    /// The wait before the second try, in seconds.
    public var baseDelay: Double
    /// The longest wait between tries, in seconds.
    public var maxDelay: Double

    public init(attempts: Int = 10, baseDelay: Double = 0.05, maxDelay: Double = 2) {
        self.attempts = Swift.max(1, attempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    func delay(afterAttempt attempt: Int) -> Double {
        let backoff = Swift.min(maxDelay, baseDelay * pow(2, Double(attempt)))
        return backoff * Double.random(in: 0.5...1)
    }
}

/// What the store answered to one request.
struct S3Response {
    var status: Int
    var headers: HTTPHeaders
    var body: ByteBuffer
}

/// A client of the S3 protocol: listing, ranged reads, uploads (whole or multipart with
/// server-side copies), signed with Signature Version 4 and retried on transient failures.
///
/// Requests to AWS use virtual-host addressing (`BUCKET.s3.REGION.amazonaws.com`); requests to a
/// custom endpoint (an S3-compatible store) use path-style addressing (`ENDPOINT/BUCKET/KEY`).
public final class S3Client: Sendable {
    /// Where and as whom requests go.
    public let configuration: S3Configuration
    /// How failed requests are tried again.
    public let retry: S3RetryPolicy
    /// How long one request may take, in seconds.
    public let timeout: Int64
    private let signer: SigV4Signer

    /// One connection pool for every client of the process, wide enough for concurrent loading.
    private static let http = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10), read: .seconds(60)),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64),
            decompression: .disabled))

    public init(configuration: S3Configuration, retry: S3RetryPolicy = S3RetryPolicy(), timeout: Int64 = 120) {
        self.configuration = configuration
        self.retry = retry
        self.timeout = timeout
        self.signer = SigV4Signer(credentials: configuration.credentials, region: configuration.region, service: "s3")
    }

    // MARK: Operations

    /// Every object whose key starts with `prefix`, in key order (`ListObjectsV2`, page by page).
    public func listObjects(bucket: String, prefix: String) async throws(S3Error) -> [S3Object] {
        var objects: [S3Object] = []
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix)]
            if let token { query.append(("continuation-token", token)) }
            let response = try await send("GET", bucket: bucket, key: nil, query: query)
            let page = S3ListPage(xml: String(buffer: response.body))
            objects += page.objects
            if let next = page.continuationToken, next == token {
                // A store that hands back the token it was given would be listed forever.
                throw .failed(
                    bucket: bucket, status: response.status, code: "RepeatedContinuationToken",
                    message: "the listing of '\(prefix)' returned the token it was asked with")
            }
            token = page.continuationToken
        } while token != nil
        return objects
    }

    /// The bytes `range` of an object (all of it for `nil`): fewer at its end, none past it.
    ///
    /// - Parameter ifMatch: An ETag the object must still have; otherwise ``S3Error/changed(bucket:key:)``.
    public func getObject(bucket: String, key: String, range: Range<Int64>? = nil, ifMatch: String? = nil)
        async throws(S3Error) -> [UInt8]
    {
        if let range, range.isEmpty { return [] }
        var headers: [(String, String)] = []
        if let range { headers.append(("range", "bytes=\(range.lowerBound)-\(range.upperBound - 1)")) }
        if let ifMatch { headers.append(("if-match", ifMatch)) }
        let response = try await send(
            "GET", bucket: bucket, key: key, headers: headers, accept: [200, 206, 416])
        if response.status == 416 { return [] }
        var body = response.body
        return body.readBytes(length: body.readableBytes) ?? []
    }

    /// The object's size and version, or `nil` if there is none.
    public func headObject(bucket: String, key: String) async throws(S3Error) -> S3Object? {
        let response = try await send("HEAD", bucket: bucket, key: key, accept: [200, 404])
        guard response.status == 200 else { return nil }
        return S3Object(
            key: key, size: Int64(response.headers.first(name: "content-length") ?? "") ?? 0,
            etag: response.headers.first(name: "etag") ?? "",
            lastModified: response.headers.first(name: "last-modified") ?? "")
    }

    /// Stores `bytes` as the object `key`, replacing any; returns the new ETag.
    @discardableResult
    public func putObject(bucket: String, key: String, bytes: [UInt8]) async throws(S3Error) -> String {
        let response = try await send("PUT", bucket: bucket, key: key, body: bytes)
        return response.headers.first(name: "etag") ?? ""
    }

    /// Deletes the object `key` (no error if there is none).
    public func deleteObject(bucket: String, key: String) async throws(S3Error) {
        _ = try await send("DELETE", bucket: bucket, key: key, accept: [200, 204, 404])
    }

    /// Creates the bucket (no error if this account already owns it).
    public func createBucket(_ bucket: String) async throws(S3Error) {
        var body: [UInt8] = []
        if configuration.region != "us-east-1" {
            body = Array(
                "<CreateBucketConfiguration><LocationConstraint>\(configuration.region)</LocationConstraint></CreateBucketConfiguration>"
                    .utf8)
        }
        let response = try await send("PUT", bucket: bucket, key: nil, body: body, accept: [200, 409])
        if response.status == 409 {
            let error = S3XML(String(buffer: response.body))
            if error.first("Code") != "BucketAlreadyOwnedByYou" {
                throw .failed(
                    bucket: bucket, status: 409, code: error.first("Code") ?? "", message: error.first("Message") ?? "")
            }
        }
    }

    /// Replaces the object `key`, whose first `copyLength` bytes are already stored under the
    /// same key, by those bytes followed by `tail`, with one multipart upload: the old bytes are
    /// copied inside the store (`UploadPartCopy`), only `tail` is sent. `copyLength` must be at
    /// least S3's smallest part, 5 MiB. Returns the new ETag.
    @discardableResult
    public func appendByCopy(bucket: String, key: String, copyLength: Int64, tail: [UInt8]) async throws(S3Error)
        -> String
    {
        let created = try await send("POST", bucket: bucket, key: key, query: [("uploads", "")])
        guard let uploadID = S3XML(String(buffer: created.body)).first("UploadId") else {
            throw .failed(
                bucket: bucket, status: created.status, code: "NoUploadId",
                message: "CreateMultipartUpload gave no UploadId")
        }
        do throws(S3Error) {
            let copied = try await send(
                "PUT", bucket: bucket, key: key, query: [("partNumber", "1"), ("uploadId", uploadID)],
                headers: [
                    ("x-amz-copy-source", "/" + bucket + "/" + SigV4Signer.encode(key, keepingSlash: true)),
                    ("x-amz-copy-source-range", "bytes=0-\(copyLength - 1)"),
                ])
            let copyETag = S3XML(String(buffer: copied.body)).first("ETag") ?? ""
            let uploaded = try await send(
                "PUT", bucket: bucket, key: key, query: [("partNumber", "2"), ("uploadId", uploadID)], body: tail)
            let tailETag = uploaded.headers.first(name: "etag") ?? ""
            let manifest =
                "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\(S3XML.escape(copyETag))</ETag></Part>"
                + "<Part><PartNumber>2</PartNumber><ETag>\(S3XML.escape(tailETag))</ETag></Part></CompleteMultipartUpload>"
            let completed = try await send(
                "POST", bucket: bucket, key: key, query: [("uploadId", uploadID)], body: Array(manifest.utf8))
            let result = S3XML(String(buffer: completed.body))
            if let code = result.first("Code") {
                throw S3Error.failed(
                    bucket: bucket, status: completed.status, code: code, message: result.first("Message") ?? "")
            }
            return result.first("ETag") ?? ""
        } catch {
            _ = try? await send(
                "DELETE", bucket: bucket, key: key, query: [("uploadId", uploadID)], accept: [200, 204, 404])
            throw error
        }
    }

    // MARK: Requests

    /// Sends one signed request, trying again on transient failures; throws for a status outside
    /// `accept` (by default any 2xx).
    func send(
        _ method: String, bucket: String, key: String?, query: [(String, String)] = [],
        headers extra: [(String, String)] = [], body: [UInt8] = [], accept: Set<Int> = []
    ) async throws(S3Error) -> S3Response {
        var lastReason = ""
        for attempt in 0..<retry.attempts {
            if attempt > 0 {
                try? await Task.sleep(nanoseconds: UInt64(retry.delay(afterAttempt: attempt - 1) * 1e9))
            }
            let response: S3Response
            do {
                response = try await sendOnce(
                    method, bucket: bucket, key: key, query: query, headers: extra, body: body)
            } catch let error as S3Error {
                throw error
            } catch {
                lastReason = Self.describe(error)
                if Self.isPermanentConnectionFailure(error), attempt >= 2 {
                    throw .unreachable(bucket: bucket, endpoint: configuration.endpointDescription, reason: lastReason)
                }
                continue
            }
            let status = response.status
            if accept.contains(status) || (accept.isEmpty && (200..<300).contains(status)) { return response }
            let xml = S3XML(String(buffer: response.body))
            let code = xml.first("Code") ?? ""
            let message = xml.first("Message") ?? ""
            if status >= 500 || status == 429
                || ["SlowDown", "Throttling", "RequestTimeout", "ThrottlingException"].contains(code)
            {
                lastReason = "\(status)\(code.isEmpty ? "" : " " + code)"
                continue
            }
            throw classify(
                status: status, code: code, message: message, headers: response.headers, bucket: bucket, key: key)
        }
        throw .unavailable(bucket: bucket, attempts: retry.attempts, reason: lastReason)
    }

    private func classify(
        status: Int, code: String, message: String, headers: HTTPHeaders, bucket: String, key: String?
    ) -> S3Error {
        switch (status, code) {
        case (403, _):
            return .accessDenied(bucket: bucket, code: code.isEmpty ? "Forbidden" : code, message: message)
        case (404, "NoSuchBucket"),
            (404, "") where key == nil:
            return .noSuchBucket(bucket: bucket, endpoint: configuration.endpointDescription)
        case (404, _):
            return .noSuchKey(bucket: bucket, key: key ?? "")
        case (412, _):
            return .changed(bucket: bucket, key: key ?? "")
        case (301, _), (400, "AuthorizationHeaderMalformed"), (400, "IllegalLocationConstraintException"):
            return .wrongRegion(bucket: bucket, region: headers.first(name: "x-amz-bucket-region"))
        default:
            return .failed(bucket: bucket, status: status, code: code, message: message)
        }
    }

    private func sendOnce(
        _ method: String, bucket: String, key: String?, query: [(String, String)], headers extra: [(String, String)],
        body: [UInt8]
    ) async throws -> S3Response {
        let host: String
        let path: String
        let base: String
        if let endpoint = configuration.endpoint {
            let port = endpoint.port.map { ":\($0)" } ?? ""
            host = (endpoint.host ?? "") + port
            base = "\(endpoint.scheme ?? "http")://\(host)"
            path = "/" + bucket + (key.map { "/" + $0 } ?? "")
        } else if bucket.contains(".") {
            host = "s3.\(configuration.region).amazonaws.com"
            base = "https://\(host)"
            path = "/" + bucket + (key.map { "/" + $0 } ?? "")
        } else {
            host = "\(bucket).s3.\(configuration.region).amazonaws.com"
            base = "https://\(host)"
            path = "/" + (key ?? "")
        }
        let payloadHash = body.isEmpty ? SigV4Signer.emptyPayloadHash : SigV4Signer.hexSHA256(body)
        var headers = [("host", host)] + extra
        if !body.isEmpty || method == "PUT" || method == "POST" {
            headers.append(("content-length", String(body.count)))
        }
        let signed = signer.signedHeaders(
            method: method, path: path, query: query, headers: headers, payloadHash: payloadHash, date: Date())
        // `?uploads` goes bare, as S3's own clients send it; the signature has it as `uploads=`.
        let queryText = SigV4Signer.canonicalQuery(query)
            .map { item in item.value.isEmpty && item.name == "uploads" ? item.name : item.name + "=" + item.value }
            .joined(separator: "&")
        var request = HTTPClientRequest(
            url: base + SigV4Signer.encode(path, keepingSlash: true) + (queryText.isEmpty ? "" : "?" + queryText))
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in signed where name != "content-length" { request.headers.add(name: name, value: value) }
        if !body.isEmpty || method == "PUT" || method == "POST" {
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await Self.http.execute(request, timeout: .seconds(timeout))
        let collected = try await response.body.collect(upTo: 1 << 30)
        return S3Response(status: Int(response.status.code), headers: response.headers, body: collected)
    }

    private static func describe(_ error: any Error) -> String {
        "\(error)"
    }

    /// A failure that retrying soon won't cure: the name doesn't resolve, or nothing listens.
    private static func isPermanentConnectionFailure(_ error: any Error) -> Bool {
        let text = "\(error)"
        return text.contains("NIOConnectionError") || text.contains("connectionRefused")
            || text.contains("Connection refused")
            || text.contains("lookup") || text.contains("resolve")
    }
}
