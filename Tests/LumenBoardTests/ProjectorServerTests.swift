import Foundation
import HummingbirdTesting
import LumenTestSupport
import Testing

@testable import LumenBoard
@testable import LumenBoardServer

/// The projector's routes over HTTP on the PyTorch-written fixture: the JSON answers, the raw
/// tensor, and the t-SNE stream of server-sent events (start, position frames, done).
@Suite struct ProjectorServerTests {
    @Test func routesAndTSNEStream() async throws {
        try await BoardServerTests.serve(Repository.path("fixtures/projector")) { client, _ in
            let list = try await BoardServerTests.get(client, "/api/projector?run=torch")
            #expect(list.status == 200)
            let names = ((list.json as? [String: Any])?["embeddings"] as? [[String: Any]])?.compactMap {
                $0["name"] as? String
            }
            #expect(names == ["features:00000", "words:00003"])
            let tensor = try await BoardServerTests.get(client, "/api/projector/tensor?run=torch&name=words%3A00003")
            #expect(tensor.status == 200 && tensor.raw.count == 40 * 5 * 4)
            let meshes = try await BoardServerTests.get(client, "/api/meshes?run=torch&tag=cube")
            #expect((meshes.json as? [Any])?.count == 2)
            try await BoardServerTests.expectError(
                client, "/api/projector/tsne?run=torch&name=features%3A00000&perplexity=40", 400)
            try await BoardServerTests.expectError(client, "/api/projector/nope?run=torch&name=x", 404)
            let stream = try await BoardServerTests.get(
                client, "/api/projector/tsne?run=torch&name=features%3A00000&perplexity=5&iterations=30&every=10&dims=3"
            )
            #expect(stream.status == 200 && stream.type == "text/event-stream")
            let text = String(decoding: stream.raw, as: UTF8.self)
            let events = text.components(separatedBy: "\n\n").filter { !$0.isEmpty && !$0.hasPrefix(":") }
            #expect(events.first?.hasPrefix("event: start\ndata: ") == true)
            #expect(events.last == "event: done\ndata: {\"iteration\":30}")
            let frames = events.filter { $0.hasPrefix("data: ") }.compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.dropFirst(6).utf8)) as? [String: Any]
            }
            #expect(frames.compactMap { $0["iteration"] as? Int } == [0, 10, 20, 30])
            let last = try #require(frames.last?["positions"] as? String)
            let bytes = try #require(Data(base64Encoded: last))
            #expect(bytes.count == 60 * 3 * 4)
        }
    }
}
