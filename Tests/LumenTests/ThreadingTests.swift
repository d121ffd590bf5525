import Testing
@testable import Lumen

/// Thread settings are process-wide, so these tests run one at a time.
@Suite(.serialized) struct ThreadingTests {
    /// Other suites run at the same time and open single-threaded regions of their own, so the
    /// count is checked together with the number of open regions, read at one instant.
    @Test func blasThreadCountCanBeSetAndIsOneInsideParallelRegions() {
        let original = Threading.blasThreads
        defer { Threading.blasThreads = original }
        func expectSetting(_ threads: Int) {
            let snapshot = Threading.blasSnapshot
            #expect(snapshot.threads == (snapshot.openRegions > 0 ? 1 : threads))
        }
        Threading.blasThreads = 2
        #expect(Threading.blasThreads == 2)
        expectSetting(2)
        Threading.withSingleThreadedBLAS {
            #expect(Threading.currentBLASThreads == 1)
            Threading.withSingleThreadedBLAS { #expect(Threading.currentBLASThreads == 1) }
            #expect(Threading.currentBLASThreads == 1)
        }
        expectSetting(2)
        Threading.blasThreads = 1
        expectSetting(1)
        #expect(Threading.currentBLASThreads == 1)
    }

    /// Large ops split across workers give exactly the single-threaded result.
    @Test func parallelKernelsMatchSequentialOnes() {
        var g = RandomGenerator(seed: 5)
        let a = Tensor.normal([300, 1000], using: &g), b = Tensor.normal([1000], using: &g)
        let x = Tensor.normal([8, 4, 20, 20], using: &g), w = Tensor.normal([6, 4, 3, 3], using: &g)
        func compute() -> [[Float]] {
            [
                (a * b + a).scalars(as: Float.self), a.sum(axes: [0]).scalars(as: Float.self),
                a.exp().scalars(as: Float.self), a.max(axes: [1]).scalars(as: Float.self),
                conv2d(x, w, padding: .same).scalars(as: Float.self), softmax(a).scalars(as: Float.self),
                a.transposed().scalars(as: Float.self),
            ]
        }
        let original = Threading.intraOpThreads
        defer { Threading.intraOpThreads = original }
        Threading.intraOpThreads = 1
        let sequential = compute()
        Threading.intraOpThreads = 2
        let parallel = compute()
        #expect(sequential == parallel)
    }
}
