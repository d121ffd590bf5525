extension Graph {
    /// The graph as text, one op a line in the order they were added: name, type, inputs and control
    /// inputs, attributes, output dtypes and shapes (`?` for unknown dimensions) and device.
    ///
    /// ```
    /// x = Placeholder() {dtype=float32, shape=[?,64]} -> float32[?,64]
    /// layer1/MatMul = MatMul(x:0, layer1/w/read:0) {transpose_a=false, transpose_b=false} -> float32[?,10] @ /cpu:0
    /// ```
    public func describe() -> String {
        operations.map(\.description).joined(separator: "\n")
    }
}
