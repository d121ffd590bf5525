import Foundation
import Lumen

/// The UCI optical-digits data (1,797 8×8 images, `fixtures/digits/digits.u8`), split 80/20.
public struct DigitsData: Sendable {
    /// Samples in the file.
    public static let sampleCount = 1797
    /// Bytes per record: 64 pixels (0–16) and the label.
    static let recordSize = 65

    /// Training inputs `[1437, 64]` (float32, pixels scaled to 0…1) and int64 labels `[1437]`.
    public let train: TensorDataset
    /// Test inputs `[360, 64]` and labels `[360]`.
    public let test: TensorDataset

    /// Errors reading the data file.
    public enum LoadError: Error, CustomStringConvertible {
        case notFound(searched: [String])
        case wrongSize(path: String, bytes: Int)
        case badRecord(index: Int)

        public var description: String {
            switch self {
            case .notFound(let searched):
                "digits data not found; looked for \(searched.joined(separator: ", ")) (set LUMEN_DIGITS to the file)"
            case .wrongSize(let path, let bytes):
                "\(path) has \(bytes) bytes, expected \(DigitsData.sampleCount) records of \(DigitsData.recordSize)"
            case .badRecord(let index):
                "record \(index) has a pixel above 16 or a label above 9"
            }
        }
    }

    /// Loads the file and splits it with a fixed permutation (seed 0), the first 80% for training.
    public init(url: URL) throws {
        let bytes = try [UInt8](Data(contentsOf: url))
        guard bytes.count == Self.sampleCount * Self.recordSize else {
            throw LoadError.wrongSize(path: url.path, bytes: bytes.count)
        }
        var pixels = [Float](repeating: 0, count: Self.sampleCount * 64)
        var labels = [Int64](repeating: 0, count: Self.sampleCount)
        for i in 0..<Self.sampleCount {
            let record = bytes[(i * Self.recordSize)..<((i + 1) * Self.recordSize)]
            guard record.prefix(64).allSatisfy({ $0 <= 16 }), let label = record.last, label <= 9 else {
                throw LoadError.badRecord(index: i)
            }
            for (j, value) in record.prefix(64).enumerated() { pixels[i * 64 + j] = Float(value) / 16 }
            labels[i] = Int64(label)
        }
        var generator = RandomGenerator(seed: 0)
        let order = Array(0..<Self.sampleCount).shuffled(using: &generator)
        let trainCount = Self.sampleCount * 4 / 5 + 1  // 1,437 of 1,797
        let inputs = Tensor(pixels, shape: [Self.sampleCount, 64]), targets = Tensor(labels, shape: [Self.sampleCount])
        func subset(_ indices: ArraySlice<Int>) -> TensorDataset {
            let index = Tensor(indices.map(Int64.init), shape: [indices.count])
            return TensorDataset(inputs: inputs.gathered(index), targets: targets.gathered(index))
        }
        train = subset(order[..<trainCount])
        test = subset(order[trainCount...])
    }

    /// The data file: `$LUMEN_DIGITS`, else `fixtures/digits/digits.u8` in the working directory or
    /// in a parent of the executable's directory (so `swift run` works from anywhere in the repository).
    public static func locate() throws -> URL {
        var candidates: [URL] = []
        if let path = ProcessInfo.processInfo.environment["LUMEN_DIGITS"] {
            candidates.append(URL(fileURLWithPath: path))
        }
        let relative = "fixtures/digits/digits.u8"
        candidates.append(
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(relative))
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent()
        for _ in 0..<8 {
            candidates.append(directory.appendingPathComponent(relative))
            directory = directory.deletingLastPathComponent()
        }
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) { return found }
        throw LoadError.notFound(searched: candidates.map(\.path))
    }
}
