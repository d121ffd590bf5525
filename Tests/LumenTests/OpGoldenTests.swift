import Foundation
import Testing
import Lumen

// Every op in the registry checked against NumPy golden values.
//
// The cases live in Goldens/ops.json, written by `python3 scripts/make_goldens.py` (see the format
// described in that script). Each case runs one op through `OpRegistry.shared.execute` and compares
// every output's dtype, shape and values: exactly for integers and bools; for floats within
// `atol + rtol * |expected|` (float32: 1e-5 / 1e-6, float64: 1e-12 / 1e-12, unless the case loosens
// them), NaN matching NaN and infinities matching exactly. A case marked "known_issue" documents a
// mismatch not fixed yet: it is recorded with withKnownIssue, and the test fails once it is fixed.
// A registered op without a golden case fails `everyOpHasGoldens`.

@Suite("Op goldens") struct OpGoldenTests {
    @Test("golden file loads")
    func goldenFileLoads() {
        #expect(Goldens.loadError == nil, "\(Goldens.loadError ?? "")")
        #expect(!Goldens.cases.isEmpty, "no golden cases were loaded")
        #expect(Goldens.byName.count == Goldens.cases.count, "golden case names must be unique")
    }

    @Test("every registered op has a golden case")
    func everyOpHasGoldens() {
        guard Goldens.loadError == nil else {
            Issue.record("golden file did not load: \(Goldens.loadError ?? "")")
            return
        }
        let covered = Set(Goldens.cases.map(\.op))
        for op in OpRegistry.shared.opTypes where !covered.contains(op) {
            Issue.record("op \(op) has no golden case in Goldens/ops.json (add one to scripts/make_goldens.py)")
        }
        for op in covered.sorted() where OpRegistry.shared[op] == nil {
            Issue.record("golden cases name op \(op), which is not registered")
        }
    }

    @Test("op matches NumPy", arguments: Goldens.names)
    func golden(_ name: String) {
        guard let golden = Goldens.byName[name] else {
            Issue.record("\(name): no such golden case")
            return
        }
        let inputs: [Tensor]
        do {
            inputs = try golden.inputs.map { try $0.tensor() }
        } catch {
            Issue.record("\(name): bad golden input: \(error)")
            return
        }
        let outputs: [Tensor]
        do {
            outputs = try OpRegistry.shared.execute(golden.op, inputs: inputs, attributes: golden.attributes)
        } catch {
            Issue.record("\(name): \(golden.op) threw: \(error)")
            return
        }
        guard outputs.count == golden.outputs.count else {
            Issue.record("\(name): expected \(golden.outputs.count) outputs, got \(outputs.count)")
            return
        }
        func check() {
            for (i, (actual, expected)) in zip(outputs, golden.outputs).enumerated() {
                let label = golden.outputs.count == 1 ? name : "\(name) output \(i)"
                for problem in compare(actual, expected, golden) {
                    Issue.record("\(label): \(problem)")
                }
            }
        }
        if let reason = golden.knownIssue {
            // Lumen is known to differ here; this fails once the mismatch is gone, so the mark gets removed.
            withKnownIssue(Comment(rawValue: "\(name): \(reason)")) { check() }
        } else {
            check()
        }
    }
}

// MARK: Comparison

/// Every way `actual` differs from `expected` (empty when they match).
private func compare(_ actual: Tensor, _ expected: GoldenTensor, _ golden: GoldenCase) -> [String] {
    guard actual.dtype == expected.dtype else {
        return ["dtype \(actual.dtype), expected \(expected.dtype)"]
    }
    guard actual.shape == expected.shape else {
        return ["shape \(actual.shape), expected \(expected.shape)"]
    }
    var mismatches: [String] = []
    var count = 0
    func mismatch(_ index: Int, _ actual: String, _ expected: String, _ note: String = "") {
        count += 1
        if mismatches.count < 6 { mismatches.append("[\(index)] = \(actual), expected \(expected)\(note)") }
    }
    switch expected.data {
    case .floats(let values):
        let (defaultRTol, defaultATol) = actual.dtype == .float32 ? (1e-5, 1e-6) : (1e-12, 1e-12)
        let rtol = golden.rtol ?? defaultRTol, atol = golden.atol ?? defaultATol
        let got: [Double] =
            actual.dtype == .float32 ? actual.scalars(as: Float.self).map(Double.init) : actual.scalars(as: Double.self)
        for (i, (a, rawE)) in zip(got, values).enumerated() {
            let e = actual.dtype == .float32 ? Double(Float(rawE)) : rawE
            if e.isNaN {
                if !a.isNaN { mismatch(i, "\(a)", "nan") }
            } else if e.isInfinite || a.isNaN || a.isInfinite {
                if a != e { mismatch(i, "\(a)", "\(e)") }
            } else if abs(a - e) > atol + rtol * abs(e) {
                mismatch(i, "\(a)", "\(e)", " (|diff| \(abs(a - e)) > \(atol + rtol * abs(e)))")
            } else if golden.signedZero && e == 0 && (a != 0 || a.sign != e.sign) {
                mismatch(i, "\(a)", "\(e)", " (sign of zero)")
            }
        }
    case .ints(let values):
        let got: [Int64]
        switch actual.dtype {
        case .int32: got = actual.scalars(as: Int32.self).map(Int64.init)
        case .int64: got = actual.scalars(as: Int64.self)
        default: got = actual.scalars(as: UInt8.self).map(Int64.init)
        }
        for (i, (a, e)) in zip(got, values).enumerated() where a != e { mismatch(i, "\(a)", "\(e)") }
    case .bools(let values):
        for (i, (a, e)) in zip(actual.scalars(as: Bool.self), values).enumerated() where a != e {
            mismatch(i, "\(a)", "\(e)")
        }
    }
    if count > mismatches.count { mismatches.append("… \(count) of \(actual.count) elements differ") }
    return mismatches
}

// MARK: The golden file

/// The decoded golden cases, loaded once.
enum Goldens {
    private static let loaded: (cases: [GoldenCase], error: String?) = load()

    static var cases: [GoldenCase] { loaded.cases }
    static var loadError: String? { loaded.error }
    static let byName: [String: GoldenCase] = Dictionary(
        cases.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    /// Case names in file order: the test arguments.
    static var names: [String] { cases.map(\.name) }

    private static func load() -> ([GoldenCase], String?) {
        let url =
            Bundle.module.url(forResource: "ops", withExtension: "json", subdirectory: "Goldens")
            ?? Bundle.module.resourceURL?.appendingPathComponent("Goldens/ops.json")
        guard let url else { return ([], "the Goldens resource directory is missing from the test bundle") }
        do {
            let data = try Data(contentsOf: url)
            let file = try JSONDecoder().decode(GoldenFile.self, from: data)
            return (file.cases, nil)
        } catch {
            return ([], "cannot load \(url.path): \(error) — run python3 scripts/make_goldens.py")
        }
    }
}

struct GoldenFile: Decodable {
    let format: Int
    let cases: [GoldenCase]
}

struct GoldenCase: Decodable, Sendable {
    let name: String
    let op: String
    let inputs: [GoldenTensor]
    let attributes: Attributes
    let outputs: [GoldenTensor]
    let rtol: Double?
    let atol: Double?
    let signedZero: Bool
    /// Why Lumen is known to differ from NumPy on this case, if it is.
    let knownIssue: String?

    private enum CodingKeys: String, CodingKey {
        case name, op, inputs, attrs, outputs, rtol, atol
        case signedZero = "signed_zero"
        case knownIssue = "known_issue"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        op = try c.decode(String.self, forKey: .op)
        inputs = try c.decode([GoldenTensor].self, forKey: .inputs)
        outputs = try c.decode([GoldenTensor].self, forKey: .outputs)
        let attrs = try c.decodeIfPresent([String: GoldenAttribute].self, forKey: .attrs) ?? [:]
        attributes = Attributes(attrs.mapValues(\.value))
        rtol = try c.decodeIfPresent(Double.self, forKey: .rtol)
        atol = try c.decodeIfPresent(Double.self, forKey: .atol)
        signedZero = try c.decodeIfPresent(Bool.self, forKey: .signedZero) ?? false
        knownIssue = try c.decodeIfPresent(String.self, forKey: .knownIssue)
    }
}

/// One attribute: an object with a single key naming its kind, `{"ints": [0, 2]}`.
struct GoldenAttribute: Decodable {
    let value: AttributeValue

    private enum Kind: String, CodingKey {
        case int, float, bool, string, ints, floats, dtype, shape
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Kind.self)
        guard c.allKeys.count == 1, let kind = c.allKeys.first else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: c.codingPath, debugDescription: "an attribute needs exactly one kind"))
        }
        switch kind {
        case .int: value = .int(try c.decode(Int.self, forKey: kind))
        case .float: value = .float(try c.decode(Double.self, forKey: kind))
        case .bool: value = .bool(try c.decode(Bool.self, forKey: kind))
        case .string: value = .string(try c.decode(String.self, forKey: kind))
        case .ints: value = .ints(try c.decode([Int].self, forKey: kind))
        case .floats: value = .floats(try c.decode([Double].self, forKey: kind))
        case .shape: value = .shape(try c.decode([Int].self, forKey: kind))
        case .dtype:
            let raw = try c.decode(String.self, forKey: kind)
            guard let dtype = DType(rawValue: raw) else {
                throw DecodingError.dataCorruptedError(forKey: kind, in: c, debugDescription: "unknown dtype \(raw)")
            }
            value = .dtype(dtype)
        }
    }
}

struct GoldenTensor: Decodable, Sendable {
    enum Values: Sendable {
        case floats([Double])
        case ints([Int64])
        case bools([Bool])
    }

    let dtype: DType
    let shape: [Int]
    let data: Values

    private enum CodingKeys: String, CodingKey { case dtype, shape, data, digits }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let raw = try c.decode(String.self, forKey: .dtype)
        guard let dtype = DType(rawValue: raw) else {
            throw DecodingError.dataCorruptedError(forKey: .dtype, in: c, debugDescription: "unknown dtype \(raw)")
        }
        self.dtype = dtype
        shape = try c.decode([Int].self, forKey: .shape)
        if let digits = try c.decodeIfPresent(String.self, forKey: .digits) {
            // Compact form for large tensors of the integers 0...9.
            let values = digits.utf8.map { Int64($0) - 48 }
            guard values.allSatisfy({ (0...9).contains($0) }) else {
                throw DecodingError.dataCorruptedError(forKey: .digits, in: c, debugDescription: "not a digit string")
            }
            switch dtype {
            case .float32, .float64: data = .floats(values.map(Double.init))
            case .int32, .int64, .uint8: data = .ints(values)
            case .bool: data = .bools(values.map { $0 != 0 })
            }
        } else {
            switch dtype {
            case .float32, .float64: data = .floats(try c.decode([FloatScalar].self, forKey: .data).map(\.value))
            case .int32, .int64, .uint8: data = .ints(try c.decode([Int64].self, forKey: .data))
            case .bool: data = .bools(try c.decode([Bool].self, forKey: .data))
            }
        }
        let count = shape.reduce(1, *)
        let stored: Int
        switch data {
        case .floats(let v): stored = v.count
        case .ints(let v): stored = v.count
        case .bools(let v): stored = v.count
        }
        guard stored == count else {
            throw DecodingError.dataCorruptedError(
                forKey: .data, in: c,
                debugDescription: "\(stored) values for shape \(shape)")
        }
    }

    /// The tensor these values describe.
    func tensor() throws -> Tensor {
        switch (dtype, data) {
        case (.float32, .floats(let v)): return Tensor(v.map { Float($0) }, shape: shape)
        case (.float64, .floats(let v)): return Tensor(v, shape: shape)
        case (.int32, .ints(let v)): return Tensor(v.map { Int32(truncatingIfNeeded: $0) }, shape: shape)
        case (.int64, .ints(let v)): return Tensor(v, shape: shape)
        case (.uint8, .ints(let v)): return Tensor(v.map { UInt8(truncatingIfNeeded: $0) }, shape: shape)
        case (.bool, .bools(let v)): return Tensor(v, shape: shape)
        default:
            throw DecodingError.dataCorrupted(
                .init(codingPath: [], debugDescription: "values do not match dtype \(dtype)"))
        }
    }
}

/// A float in the golden file: a JSON number, or "nan", "inf", "-inf".
private struct FloatScalar: Decodable {
    let value: Double

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let v = try? c.decode(Double.self) {
            value = v
            return
        }
        switch try c.decode(String.self) {
        case "nan": value = .nan
        case "inf": value = .infinity
        case "-inf": value = -.infinity
        case let other:
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a float: \(other)")
        }
    }
}
