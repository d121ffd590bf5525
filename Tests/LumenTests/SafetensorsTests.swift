import Foundation
import Testing
@testable import Lumen
import LumenTestSupport

/// The reference packages these tests compare with, in the repository's Python environment
/// (`Repository.python`); on CI a missing package fails the test instead of skipping it.
enum SafetensorsPython {
    static let hasSafetensors = Repository.shouldRun(needing: ["numpy", "safetensors.numpy"])
    static let hasTorch = Repository.shouldRun(needing: ["torch", "safetensors.torch"])

    /// Runs `script` with the Python interpreter and `arguments`; returns its status and output.
    static func run(_ script: String, _ arguments: [String] = []) throws -> (
        status: Int32, output: String, errors: String
    ) {
        let result = try Repository.runPython(code: script, arguments)
        return (result.status, result.text, result.standardError)
    }
}

/// A fresh file URL in the temporary directory, removed when `body` returns.
private func withTemporaryFile<R>(_ body: (URL) throws -> R) rethrows -> R {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("lumen-nn-\(UUID().uuidString).safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url)
}

/// One tensor of every dtype, with awkward shapes (scalar, empty, odd sizes).
private func sampleTensors() -> [String: Tensor] {
    [
        "f32": Tensor([[1.5, -2.25, 3], [0.1, 1e-30, -0]] as [[Float]]),
        "f64": Tensor([Double.pi, -1e300, Double.leastNonzeroMagnitude]),
        "i32": Tensor([Int32.min, -1, 0, Int32.max] as [Int32]),
        "i64": Tensor([[Int64.min], [Int64.max], [42]] as [[Int64]]),
        "u8": Tensor([0, 7, 255] as [UInt8]),
        "bool": Tensor([true, false, true] as [Bool]),
        "scalar": Tensor(Float(2.5)),
        "empty": Tensor.zeros([0, 3]),
        "nested.name/with \"quotes\"": Tensor([1, 2, 3, 4, 5] as [Float]).reshaped([5, 1, 1]),
    ]
}

@Suite("Safetensors") struct SafetensorsTests {
    @Test func roundTripKeepsNamesDtypesShapesAndBits() throws {
        let tensors = sampleTensors()
        let data = try Safetensors.encode(tensors, metadata: ["format": "pt", "note": "ünïcode"])
        let (decoded, metadata) = try Safetensors.decode(data)
        #expect(metadata == ["format": "pt", "note": "ünïcode"])
        #expect(Set(decoded.keys) == Set(tensors.keys))
        for (name, tensor) in tensors {
            let other = try #require(decoded[name])
            #expect(other.dtype == tensor.dtype && other.shape == tensor.shape, "\(name)")
            #expect(bytes(other) == bytes(tensor), "\(name)")
        }
    }

    @Test func layoutFollowsTheFormat() throws {
        let data = try Safetensors.encode(["b": Tensor([1] as [UInt8]), "a": Tensor([1, 2] as [Double])])
        let length = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect((8 + length) % 8 == 0)
        let header = String(decoding: data[8..<(8 + length)], as: UTF8.self)
        #expect(header.hasPrefix("{") && header.trimmingCharacters(in: .whitespaces).hasSuffix("}"))
        #expect(
            header.trimmingCharacters(in: .whitespaces)
                == #"{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"b":{"dtype":"U8","shape":[1],"data_offsets":[16,17]}}"#
        )
        #expect(data.count == 8 + length + 17)
    }

    @Test func malformedDataThrows() throws {
        func file(_ header: String, _ payload: [UInt8] = []) -> Data {
            var data = Data()
            withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
            return data + Data(header.utf8) + Data(payload)
        }
        #expect(throws: SafetensorsError.self) { try Safetensors.decode(Data([1, 2, 3])) }
        #expect(throws: SafetensorsError.self) { try Safetensors.decode(file("{").prefix(6)) }
        #expect(throws: SafetensorsError.self) { try Safetensors.decode(Data([255, 0, 0, 0, 0, 0, 0, 0, 123])) }
        #expect(throws: SafetensorsError.self) { try Safetensors.decode(file("not json")) }
        #expect(throws: SafetensorsError.self) {
            try Safetensors.decode(file(#"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, [0, 0, 0, 0]))
        }
        #expect(throws: SafetensorsError.self) {
            try Safetensors.decode(
                file(#"{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, Array(repeating: 0, count: 8)))
        }
        #expect(throws: SafetensorsError.unsupportedDType(name: "x", dtype: "C64")) {
            try Safetensors.decode(
                file(#"{"x":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}"#, Array(repeating: 0, count: 8)))
        }
        #expect(throws: SafetensorsError.reservedName("__metadata__")) {
            try Safetensors.encode(["__metadata__": Tensor.zeros([1])])
        }
    }

    @Test func halfPrecisionIsReadAsFloat32() throws {
        // 1.0, -2.0, 65504 (largest half), 2⁻²⁴ (smallest subnormal), inf as F16; 1.0 and -3.5 as BF16.
        let f16: [UInt16] = [0x3C00, 0xC000, 0x7BFF, 0x0001, 0x7C00]
        let bf16: [UInt16] = [0x3F80, 0xC060]
        let payload = (f16 + bf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let header =
            #"{"h":{"dtype":"F16","shape":[5],"data_offsets":[0,10]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[10,14]}}"#
        var data = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data += Data(header.utf8) + Data(payload)
        let tensors = try Safetensors.decode(data).tensors
        #expect(tensors["h"]?.dtype == .float32)
        #expect(tensors["h"]?.scalars(as: Float.self) == [1, -2, 65504, 0x1p-24, .infinity])
        #expect(tensors["b"]?.scalars(as: Float.self) == [1, -3.5])
    }

    @Test func modulesSaveAndLoadTheirStateDict() throws {
        try withTemporaryFile { url in
            let source = Sequential(Linear(inFeatures: 3, outFeatures: 4), BatchNorm1d(numFeatures: 4))
            _ = source(Tensor.normal([5, 3]))
            try source.save(to: url, metadata: ["epoch": "3"])
            let metadata = try Safetensors.readMetadata(from: url)
            #expect(metadata == ["epoch": "3"])
            let target = Sequential(Linear(inFeatures: 3, outFeatures: 4), BatchNorm1d(numFeatures: 4))
            try target.load(from: url)
            let a = source.stateDict(), b = target.stateDict()
            for (key, value) in a { #expect(b[key]?.doubles == value.doubles, "\(key)") }
            #expect(b["1.num_batches_tracked"]?.dtype == .int64)
        }
    }

    @Test(
        "Python's safetensors reads what Lumen writes",
        .enabled(
            if: SafetensorsPython.hasSafetensors,
            "needs .venv/bin/python with numpy and safetensors"))
    func pythonReadsLumenFiles() throws {
        try withTemporaryFile { url in
            let tensors = sampleTensors()
            try Safetensors.write(tensors, metadata: ["producer": "lumen"], to: url)
            let script = """
                import json, sys
                from safetensors import safe_open
                from safetensors.numpy import load_file
                tensors = load_file(sys.argv[1])
                with safe_open(sys.argv[1], framework="np") as f:
                    metadata = f.metadata()
                out = {name: {"dtype": str(a.dtype), "shape": list(a.shape), "values": [repr(v) for v in a.reshape(-1).tolist()]}
                       for name, a in tensors.items()}
                print(json.dumps({"tensors": out, "metadata": metadata}))
                """
            let result = try SafetensorsPython.run(script, [url.path])
            try #require(result.status == 0, "python failed: \(result.errors)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
            #expect(json["metadata"] as? [String: String] == ["producer": "lumen"])
            let read = try #require(json["tensors"] as? [String: [String: Any]])
            #expect(Set(read.keys) == Set(tensors.keys))
            let numpyNames: [DType: String] = [
                .float32: "float32", .float64: "float64", .int32: "int32", .int64: "int64",
                .uint8: "uint8", .bool: "bool",
            ]
            for (name, tensor) in tensors {
                let entry = try #require(read[name])
                #expect(entry["dtype"] as? String == numpyNames[tensor.dtype], "\(name)")
                #expect(entry["shape"] as? [Int] == tensor.shape, "\(name)")
                #expect(entry["values"] as? [String] == pythonReprs(tensor), "\(name)")
            }
        }
    }

    @Test(
        "Lumen reads what Python's safetensors writes",
        .enabled(
            if: SafetensorsPython.hasSafetensors,
            "needs .venv/bin/python with numpy and safetensors"))
    func lumenReadsPythonFiles() throws {
        try withTemporaryFile { url in
            let script = """
                import sys
                import numpy as np
                from safetensors.numpy import save_file
                save_file({
                    "weight": (np.arange(12, dtype=np.float32).reshape(3, 4) - 5.5) / 4,
                    "big": np.array([[1e300, -2.5]], dtype=np.float64),
                    "ids": np.array([-7, 0, 2**40], dtype=np.int64),
                    "small": np.array([1, -2], dtype=np.int32),
                    "pixels": np.array([[0, 128, 255]], dtype=np.uint8),
                    "mask": np.array([True, False], dtype=np.bool_),
                    "half": np.array([0.5, -65504], dtype=np.float16),
                    "scalar": np.array(3.25, dtype=np.float32),
                }, sys.argv[1], metadata={"source": "numpy"})
                """
            let result = try SafetensorsPython.run(script, [url.path])
            try #require(result.status == 0, "python failed: \(result.errors)")
            let tensors = try Safetensors.read(from: url)
            let metadata = try Safetensors.readMetadata(from: url)
            #expect(metadata == ["source": "numpy"])
            #expect(tensors["weight"]?.shape == [3, 4])
            #expect(tensors["weight"]?.scalars(as: Float.self) == (0..<12).map { (Float($0) - 5.5) / 4 })
            #expect(tensors["big"]?.scalars(as: Double.self) == [1e300, -2.5])
            #expect(tensors["ids"]?.scalars(as: Int64.self) == [-7, 0, 1 << 40])
            #expect(tensors["small"]?.scalars(as: Int32.self) == [1, -2])
            #expect(tensors["pixels"]?.scalars(as: UInt8.self) == [0, 128, 255] && tensors["pixels"]?.shape == [1, 3])
            #expect(tensors["mask"]?.scalars(as: Bool.self) == [true, false])
            #expect(tensors["half"]?.dtype == .float32 && tensors["half"]?.scalars(as: Float.self) == [0.5, -65504])
            #expect(tensors["scalar"]?.shape == [] && tensors["scalar"]?.item(as: Float.self) == 3.25)
        }
    }

    @Test(
        "PyTorch loads a Lumen model's file into the same model",
        .enabled(
            if: SafetensorsPython.hasTorch,
            "needs .venv/bin/python with torch and safetensors"))
    func torchLoadsLumenModels() throws {
        try withTemporaryFile { url in
            let model = Sequential(
                Linear(inFeatures: 3, outFeatures: 4), BatchNorm1d(numFeatures: 4), GELU(),
                Linear(inFeatures: 4, outFeatures: 2))
            _ = model(Tensor.normal([6, 3]))  // training step: moves the running statistics
            model.eval()
            try model.save(to: url)
            let input: [[Float]] = [[0.5, -1, 2], [1.5, 0.25, -0.75]]
            let expected = model(Tensor(input)).doubles
            let script = """
                import json, sys, torch
                from safetensors.torch import load_file
                model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.GELU(), torch.nn.Linear(4, 2))
                model.load_state_dict(load_file(sys.argv[1]), strict=True)
                model.eval()
                with torch.no_grad():
                    y = model(torch.tensor(json.loads(sys.argv[2])))
                print(json.dumps({"output": y.reshape(-1).tolist(), "batches": int(model[1].num_batches_tracked)}))
                """
            let arguments = [url.path, "[[0.5, -1, 2], [1.5, 0.25, -0.75]]"]
            let result = try SafetensorsPython.run(script, arguments)
            try #require(result.status == 0, "python failed: \(result.errors)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
            #expect(json["batches"] as? Int == 1)
            let output = try #require(json["output"] as? [Double])
            #expect(output.count == expected.count)
            for (a, e) in zip(output, expected) { #expect(abs(a - e) <= 1e-5 + 1e-5 * abs(e)) }
        }
    }
}

/// The raw bytes of a tensor's elements.
private func bytes(_ tensor: Tensor) -> [UInt8] {
    Array(UnsafeRawBufferPointer(start: tensor.storage.bytes, count: tensor.byteCount))
}

/// Python's `repr` of each element as NumPy's `tolist()` gives it: shortest round-trip floats, ints,
/// `True`/`False`.
private func pythonReprs(_ tensor: Tensor) -> [String] {
    func float(_ d: Double) -> String {
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        if d == d.rounded(), abs(d) < 1e16 { return d == 0 && d.sign == .minus ? "-0.0" : String(format: "%.1f", d) }
        let s = "\(d)"
        return s.replacingOccurrences(of: "e-0", with: "e-").replacingOccurrences(of: "e+", with: "e+")
    }
    switch tensor.dtype {
    case .float32: return tensor.scalars(as: Float.self).map { float(Double($0)) }
    case .float64: return tensor.scalars(as: Double.self).map(float)
    case .bool: return tensor.scalars(as: Bool.self).map { $0 ? "True" : "False" }
    case .int64: return tensor.scalars(as: Int64.self).map { String($0) }
    case .int32: return tensor.scalars(as: Int32.self).map { String($0) }
    case .uint8: return tensor.scalars(as: UInt8.self).map { String($0) }
    }
}
