/// The image of the pause container that holds an awsvpc task's network namespace: one static
/// program that waits forever, built here byte by byte for the node's architecture and loaded with
/// ``ContainerRuntime/importImage(_:rootfs:command:)``, so a node needs no registry for it (ECS's
/// agent ships its pause image as a tarball too).
public enum PauseImage {
    /// The image's reference; the tag changes when the program does.
    public static let reference = "wharf/pause:1"
    /// The program's path in the image, its command.
    public static let command = ["/pause"]

    /// The program for an architecture as the engine names it (`x86_64`, `aarch64`); nil for one
    /// Wharf has no program for.
    public static func program(for architecture: String) -> [UInt8]? {
        switch architecture {
        case "x86_64", "amd64":
            // loop: mov eax, 34 (pause); syscall; jmp loop
            return elf(machine: 0x3E, alignment: 0x1000, code: [0xB8, 0x22, 0, 0, 0, 0x0F, 0x05, 0xEB, 0xF7])
        case "aarch64", "arm64":
            // loop: x0..x3 = 0; x8 = 73 (ppoll); svc 0; b loop. arm64 has no pause system call:
            // ppoll with no descriptors and no timeout waits for a signal the same way.
            let words: [UInt32] = [
                0xD280_0000, 0xD280_0001, 0xD280_0002, 0xD280_0003, 0xD280_0928, 0xD400_0001, 0x17FF_FFFA,
            ]
            return elf(machine: 0xB7, alignment: 0x10000, code: words.flatMap(littleEndian))
        default:
            return nil
        }
    }

    /// The image's root filesystem: a tar archive holding the program as `/pause`.
    public static func rootfs(for architecture: String) -> [UInt8]? {
        program(for: architecture).map { tar(name: "pause", mode: 0o755, contents: $0) }
    }

    /// A static ELF64 executable of one loadable segment (its headers and `code`) at 0x400000.
    static func elf(machine: UInt16, alignment: UInt64, code: [UInt8]) -> [UInt8] {
        let base: UInt64 = 0x40_0000
        let headers: UInt64 = 64 + 56
        let size = headers + UInt64(code.count)
        var out: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0, count: 8)
        out += littleEndian(UInt16(2))  // ET_EXEC
        out += littleEndian(machine)
        out += littleEndian(UInt32(1))
        out += littleEndian(base + headers)  // entry
        out += littleEndian(UInt64(64))  // program headers
        out += littleEndian(UInt64(0))  // section headers: none
        out += littleEndian(UInt32(0))
        out += littleEndian(UInt16(64)) + littleEndian(UInt16(56)) + littleEndian(UInt16(1))
        out += littleEndian(UInt16(64)) + littleEndian(UInt16(0)) + littleEndian(UInt16(0))
        out += littleEndian(UInt32(1)) + littleEndian(UInt32(5))  // PT_LOAD, read and execute
        out += littleEndian(UInt64(0)) + littleEndian(base) + littleEndian(base)
        out += littleEndian(size) + littleEndian(size) + littleEndian(alignment)
        return out + code
    }

    /// A ustar archive of one regular file owned by root.
    static func tar(name: String, mode: Int, contents: [UInt8]) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int) {
            for (index, byte) in text.utf8.enumerated() { header[offset + index] = byte }
        }
        func octal(_ value: Int, width: Int) -> String {
            let digits = String(value, radix: 8)
            return String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits
        }
        put(name, at: 0)
        put(octal(mode, width: 8), at: 100)
        put(octal(0, width: 8), at: 108)
        put(octal(0, width: 8), at: 116)
        put(octal(contents.count, width: 12), at: 124)
        put(octal(0, width: 12), at: 136)
        put("        ", at: 148)  // the checksum counts as spaces while it is summed
        put("0", at: 156)
        put("ustar\u{0}00", at: 257)
        put("root", at: 265)
        put("root", at: 297)
        let checksum = header.reduce(0) { $0 + Int($1) }
        put(octal(checksum, width: 7), at: 148)
        header[154] = 0
        header[155] = 0x20
        let padding = (512 - contents.count % 512) % 512
        return header + contents + [UInt8](repeating: 0, count: padding + 1024)
    }

    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }
}
