import Foundation
import LumenBoard
import LumenS3

extension LogStorages {
    /// The storages for the logdirs of `spec`: with an `s3://` logdir, a client configured from
    /// the environment and `endpoint` (`--s3-endpoint`).
    ///
    /// - Throws: ``S3Error`` naming the first `s3://` logdir's bucket when there are no
    ///   credentials or the endpoint is malformed.
    public static func forSpec(
        _ spec: LogdirSpec, endpoint: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(S3Error) -> LogStorages {
        guard let location = spec.entries.lazy.compactMap({ S3Location(url: $0.path) }).first else {
            return LogStorages()
        }
        let configuration = try S3Configuration.resolve(
            bucket: location.bucket, endpointOverride: endpoint, environment: environment)
        return LogStorages(s3: S3LogStorage(client: S3Client(configuration: configuration)))
    }

    /// ``forSpec(_:endpoint:environment:)``, or on failure storages whose `s3://` listings fail
    /// with the reason.
    public static func resolving(_ spec: LogdirSpec) -> LogStorages {
        do {
            return try forSpec(spec)
        } catch {
            return LogStorages(s3: UnusableStorage(reason: error))
        }
    }
}
