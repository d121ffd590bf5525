import Testing
@testable import LumenBoard

@Suite struct QueryParameterTests {
    @Test func decodesLikeBrowsersAndTensorBoard() {
        #expect(BoardServer.queryParameters(nil) == [:])
        #expect(BoardServer.queryParameters("run=a+b&tag=x%2By%20z") == ["run": "a b", "tag": "x+y z"])
        #expect(BoardServer.queryParameters("tag=%E2%9C%93&tag=second&flag&=v") == ["tag": "✓", "flag": "", "": "v"])
        #expect(BoardServer.queryParameters("run=%zz&tag=100%") == ["run": "%zz", "tag": "100%"])
        #expect(BoardServer.queryParameters("a=1=2&&b=") == ["a": "1=2", "b": ""])
    }
}
