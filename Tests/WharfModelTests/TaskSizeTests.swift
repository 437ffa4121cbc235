import Testing
import WharfModel

@Suite("Task-level cpu and memory strings")
struct TaskSizeTests {
    @Test("cpu accepted as ECS accepts it", arguments: [
        ("256", 256), ("1024", 1024), ("1 vCPU", 1024), ("1vcpu", 1024), (".25 vCPU", 256),
        ("0.5 vcpu", 512), ("2 VCPU", 2048), (" 4 vCPU ", 4096),
    ])
    func cpu(text: String, units: Int) throws {
        #expect(try TaskSize.cpuUnits(text) == units)
    }

    @Test("cpu refused with the forms that work", arguments: ["", "abc", "1 core", "-256", "0.1 vCPU", "64", "200 vCPU", "1.5.2 vcpu"])
    func badCPU(text: String) {
        #expect(throws: ECSError.self) { try TaskSize.cpuUnits(text) }
    }

    @Test("memory accepted as ECS accepts it", arguments: [
        ("512", 512), ("0.5GB", 512), ("1GB", 1024), ("1 GB", 1024), ("2 gb", 2048), ("3GiB", 3072),
    ])
    func memory(text: String, mib: Int) throws {
        #expect(try TaskSize.memoryMiB(text) == mib)
    }

    @Test("memory refused", arguments: ["", "1 TB", "GB", "4", "1.1GB", "lots"])
    func badMemory(text: String) {
        #expect(throws: ECSError.self) { try TaskSize.memoryMiB(text) }
    }

    @Test("Fargate sizes follow the documented table", arguments: [
        (256, 512, true), (256, 4096, false), (512, 3072, true), (1024, 9216, false),
        (4096, 30720, true), (8192, 20480, true), (8192, 18432, false), (16384, 122_880, true), (300, 1024, false),
    ])
    func fargate(cpu: Int, memory: Int, valid: Bool) {
        #expect(TaskSize.isFargateSize(cpu: cpu, memory: memory) == valid)
    }
}
