/// One object of a listing.
public struct S3Object: Sendable, Equatable {
    /// The object's key.
    public var key: String
    /// Its size in bytes.
    public var size: Int64
    /// Its ETag, quotes included, as the store gives it.
    public var etag: String
    /// Its `LastModified` time, as the store gives it.
    public var lastModified: String

    public init(key: String, size: Int64, etag: String, lastModified: String) {
        self.key = key
        self.size = size
        self.etag = etag
        self.lastModified = lastModified
    }
}

/// One page of a `ListObjectsV2` answer: its objects and the token for the next page.
///
/// Kept apart from the client (it needs nothing but the answer's text) so the fuzz package can
/// build it alone.
struct S3ListPage: Equatable {
    /// The page's objects; a `Contents` element without a key or a numeric size is skipped.
    var objects: [S3Object] = []
    /// The token to ask for the next page with, when the listing is truncated (never empty).
    var continuationToken: String?

    /// The page an answer's XML describes.
    init(xml text: String) {
        let xml = S3XML(text)
        for contents in xml.elements("Contents") {
            let item = S3XML(contents)
            guard let key = item.first("Key"), let size = item.first("Size").flatMap({ Int64($0) }), size >= 0 else {
                continue
            }
            objects.append(
                S3Object(
                    key: key, size: size, etag: item.first("ETag") ?? "", lastModified: item.first("LastModified") ?? ""
                ))
        }
        let token = xml.first("NextContinuationToken")
        continuationToken = xml.first("IsTruncated") == "true" && token?.isEmpty == false ? token : nil
    }
}
