import Foundation
import Testing
@testable import Lumen

// The op registry's invariants: every op is one record that declares its gradient, graph-only ops
// stay out of eager mode, and the kernels under Sources/Lumen/Kernels know nothing of ops.

@Suite("Op registry") struct OpRegistryTests {
    @Test("every registered op has a gradient or is declared not differentiable")
    func everyOpDeclaresItsGradient() {
        let all = OpRegistry.shared.allDefinitions
        #expect(all.count > 90, "only \(all.count) ops registered")
        for definition in all where definition.gradientDeclaration == nil {
            Issue.record("op \(definition.type) neither has a gradient nor is declared not differentiable")
        }
    }

    @Test("an op without a declaration is caught")
    func undeclaredGradientIsVisible() {
        let bare = OpDefinition("Bare", infer: { ctx, _ in ctx.inputs }, compute: { $0.inputs })
        #expect(bare.gradientDeclaration == nil)
        #expect(bare.notDifferentiable().gradientDeclaration != nil)
        #expect(bare.gradient(IdentityGradient()).gradient != nil)
    }

    @Test("graph-only ops are registered, not differentiable and refused eagerly")
    func graphOnlyOps() throws {
        let graphOnly = OpRegistry.shared.allDefinitions.filter(\.isGraphOnly).map(\.type)
        #expect(
            Set(graphOnly).isSuperset(of: [
                "Placeholder", "Const", "VariableV2", "Assign", "ApplyAdam", "ScalarSummary",
            ]))
        for type in graphOnly {
            #expect(!OpRegistry.shared.opTypes.contains(type), "\(type) is listed among the eager ops")
            #expect(OpRegistry.shared[type]?.gradient == nil, "\(type) has a gradient")
        }
        #expect(OpRegistry.shared["ApplyMomentum"]?.referenceInputs == [.init(0, "var"), .init(1, "accum")])
        #expect(OpRegistry.shared["Placeholder"]?.isStateful == true)
        #expect(OpRegistry.shared["ScalarSummary"]?.isStateful == false)
        let error = #expect(throws: OpError.self) {
            try OpRegistry.shared.execute(
                "Placeholder", inputs: [], attributes: ["dtype": .dtype(.float32), "shape": .ints([])])
        }
        #expect(error?.message.contains("graph-mode op") == true)
    }

    @Test("kernels name no op type and never call into Ops")
    func kernelsStayBelowOps() throws {
        let kernels = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/Lumen/Kernels").standardizedFileURL
        let files = try FileManager.default.contentsOfDirectory(at: kernels, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "swift" }
        #expect(files.count >= 8, "found \(files.count) kernel files in \(kernels.path)")
        let opTypes = OpRegistry.shared.allDefinitions.map(\.type)
        let opNamespaces = [
            "ElementwiseOps", "ReductionOps", "LinearAlgebraOps", "ShapeOps", "NeuralNetworkOps",
            "GradientSupportOps", "GraphOps", "SummaryOps", "OpRegistry", "OpDefinition",
        ]
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for type in opTypes where text.contains("\"\(type)\"") || text.contains("`\(type)`") {
                Issue.record("\(file.lastPathComponent) names the op type \(type)")
            }
            for namespace in opNamespaces where text.contains(namespace) {
                Issue.record("\(file.lastPathComponent) refers to \(namespace)")
            }
        }
    }
}
