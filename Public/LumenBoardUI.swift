import Foundation

/// The board's web UI: the HTML, CSS and JavaScript modules in this folder, which SwiftPM packages
/// as this target's resources (`Lumen_LumenBoardUI.resources` beside the executable that links it).
/// The folder itself is also what `board --assets Public` serves while the UI is being edited.
public enum LumenBoardUI {
    /// The name of the resource folder SwiftPM writes next to the executable.
    public static let resourceFolderName = "Lumen_LumenBoardUI.resources"

    /// The folder of UI files packaged next to the running binary, or `nil` if it is absent.
    public static func packagedFolder() -> String? {
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments.first ?? ""
        let directory = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        let candidates = [
            resourceFolderName, "Lumen_LumenBoardUI.bundle/Contents/Resources", "Lumen_LumenBoardUI.bundle",
        ]
        for bundle in candidates {
            let folder = directory.appendingPathComponent(bundle).path
            if FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("index.html")) {
                return folder
            }
        }
        return nil
    }
}
