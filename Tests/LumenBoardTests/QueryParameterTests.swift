import Testing
@testable import LumenBoard

@Suite struct QueryParameterTests {
    @Test func decodesLikeBrowsersAndTensorBoard() {
        #expect(BoardQuery.parameters(nil) == [:])
        #expect(BoardQuery.parameters("run=a+b&tag=x%2By%20z") == ["run": "a b", "tag": "x+y z"])
        #expect(BoardQuery.parameters("tag=%E2%9C%93&tag=second&flag&=v") == ["tag": "✓", "flag": "", "": "v"])
        #expect(BoardQuery.parameters("run=%zz&tag=100%") == ["run": "%zz", "tag": "100%"])
        #expect(BoardQuery.parameters("a=1=2&&b=") == ["a": "1=2", "b": ""])
    }
}
