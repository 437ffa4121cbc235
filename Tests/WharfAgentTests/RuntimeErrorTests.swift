import Testing
import WharfAgent

@Suite("Runtime errors")
struct RuntimeErrorTests {
    @Test("a runtime error names its code and the engine's message")
    func description() {
        #expect("\(RuntimeError(.imageNotFound, "manifest unknown"))" == "imageNotFound: manifest unknown")
    }
}
