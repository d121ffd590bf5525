import Foundation

extension Module {
    /// Writes ``stateDict()`` to `url` in the safetensors format, with PyTorch's names, so
    /// `safetensors.torch.load_file` followed by `load_state_dict` reads it into the same PyTorch model.
    public func save(to url: URL, metadata: [String: String]? = nil) throws {
        try Safetensors.write(stateDict(), metadata: metadata, to: url)
    }

    /// Loads a safetensors file written by ``save(to:metadata:)`` or by PyTorch
    /// (`safetensors.torch.save_file(model.state_dict(), path)`) with ``load(stateDict:strict:)``.
    @discardableResult
    public func load(from url: URL, strict: Bool = true) throws -> (missingKeys: [String], unexpectedKeys: [String]) {
        try load(stateDict: Safetensors.read(from: url), strict: strict)
    }
}
