import Foundation
import LumenS3

/// Where a writer's files go: a local directory, or for an `s3://BUCKET/PREFIX` logdir a local
/// spool that is uploaded to the store on every flush and on close (see ``S3LogdirMirror``).
struct LogdirTarget: Sendable {
    /// The directory the event files are written to.
    let directory: String
    /// The store's mirror of `directory`, for an `s3://` logdir.
    let mirror: S3LogdirMirror?

    /// - Throws: ``S3Error`` for an `s3://` logdir without credentials or with a malformed endpoint.
    init(logdir: String) throws {
        if S3Location.isS3(logdir) {
            let mirror = try S3LogdirMirror(url: logdir)
            self.mirror = mirror
            directory = mirror.spool
        } else {
            mirror = nil
            directory = logdir
        }
    }

    /// Stores what changed in the spool (nothing for a local logdir).
    ///
    /// - Throws: ``S3Error``; what wasn't stored is sent again on the next call.
    func upload() throws {
        try mirror?.upload()
    }

    /// Where the file at the local `path` is kept: the object's `s3://` URL for an `s3://` logdir.
    func location(of path: String) -> String {
        guard let mirror, path.hasPrefix(mirror.spool + "/") else { return path }
        return mirror.location.url(forKey: mirror.key(for: String(path.dropFirst(mirror.spool.count + 1))))
    }
}
