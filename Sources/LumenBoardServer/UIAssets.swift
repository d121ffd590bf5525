import Foundation
import LumenBoard
import LumenBoardUI
import LumenEvents

/// One file of the web UI, ready to send.
public struct UIAsset: Sendable {
    public var contentType: String
    public var body: [UInt8]
    /// The gzip form of `body`, when it is text worth compressing.
    public var gzipped: [UInt8]?
    /// A strong validator: a hash of `body`.
    public var etag: String
}

/// Where the board's web UI comes from: the files packaged with the binary (loaded once, kept in
/// memory with their gzip forms), or a folder read afresh on every request (`board --assets DIR`,
/// for developing the UI).
///
/// Only paths made of plain names are looked up: a request path with an empty, `.` or `..`
/// component, a backslash, a NUL or a component starting with `.` is not found, and a folder's
/// files are only served if their real path (symbolic links resolved) stays inside the folder.
public enum UIAssets: Sendable {
    case bundled([String: UIAsset])
    case folder(String)

    /// The folder of UI files packaged next to the running binary, or `nil` if absent.
    public static func packagedFolder() -> String? { LumenBoardUI.packagedFolder() }

    /// Every file under `folder`, loaded into memory.
    public static func loadBundled(from folder: String) throws -> UIAssets {
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else {
            throw UIAssetsError(description: "cannot read the UI folder \(folder)")
        }
        var assets: [String: UIAsset] = [:]
        while let relative = enumerator.nextObject() as? String {
            let path = (folder as NSString).appendingPathComponent(relative)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                let key = normalized(relative)
            else { continue }
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            assets[key] = asset(path: key, bytes: bytes)
        }
        guard assets["index.html"] != nil else {
            throw UIAssetsError(description: "the UI folder \(folder) has no index.html")
        }
        return .bundled(assets)
    }

    /// The asset at request path `path` (`""` or `/` is `index.html`), or `nil`.
    public func asset(at path: String) -> UIAsset? {
        var relative = path
        while relative.hasPrefix("/") { relative.removeFirst() }
        if relative.isEmpty || relative.hasSuffix("/") { relative += "index.html" }
        guard let key = Self.normalized(relative) else { return nil }
        switch self {
        case .bundled(let assets):
            return assets[key]
        case .folder(let root):
            let rootURL = URL(fileURLWithPath: root).resolvingSymlinksInPath()
            let fileURL = rootURL.appendingPathComponent(key).resolvingSymlinksInPath()
            var isDirectory: ObjCBool = false
            guard fileURL.path.hasPrefix(rootURL.path + "/"),
                FileManager.default.fileExists(atPath: fileURL.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                let data = FileManager.default.contents(atPath: fileURL.path)
            else { return nil }
            return Self.asset(path: key, bytes: [UInt8](data), compress: false)
        }
    }

    /// `relative` as a lookup key, or `nil` if any component isn't a plain name or the file isn't
    /// part of the web UI (the folder also holds the Swift file that packages it).
    static func normalized(_ relative: String) -> String? {
        let components = relative.split(separator: "/", omittingEmptySubsequences: false)
        guard !components.isEmpty, relative.utf8.count <= 1024, !relative.hasSuffix(".swift") else { return nil }
        for component in components {
            guard !component.isEmpty, !component.hasPrefix("."), !component.contains("\\"),
                !component.contains("\0")
            else { return nil }
        }
        return components.joined(separator: "/")
    }

    static func asset(path: String, bytes: [UInt8], compress: Bool = true) -> UIAsset {
        let type = contentType(for: path)
        var gzipped: [UInt8]?
        if compress, bytes.count >= 1024,
            type.hasPrefix("text/") || type.hasPrefix("application/javascript")
                || type.hasPrefix("image/svg") || type.hasPrefix("application/json")
        {
            gzipped = BoardCompression.gzip(bytes)
        }
        let hash = CRC32C.checksum(bytes)
        return UIAsset(
            contentType: type, body: bytes, gzipped: gzipped,
            etag: "\"" + String(hash, radix: 16) + "-" + String(bytes.count, radix: 16) + "\"")
    }

    static func contentType(for path: String) -> String {
        switch (path as NSString).pathExtension.lowercased() {
        case "html": "text/html; charset=utf-8"
        case "js", "mjs": "application/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "json": "application/json; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "ico": "image/x-icon"
        case "woff2": "font/woff2"
        case "txt", "md": "text/plain; charset=utf-8"
        default: "application/octet-stream"
        }
    }
}

/// The UI's files can't be found or read.
public struct UIAssetsError: Error, CustomStringConvertible {
    public var description: String
}
