import Foundation
import Logging
import NIOSSL
import Testing
@testable import WharfAgent

@Suite("Controller trust: CA fingerprints")
struct ControllerTrustTests {
    @Test("fingerprints are accepted as openssl prints them or as plain hex, and nothing else")
    func normalize() {
        let hex = "8f528064d77a9e26f6b3b095c611c5252f5d4f70873d7e2c89fc1b63eae1710e"
        #expect(ControllerTrust.normalize(fingerprint: hex) == hex)
        #expect(ControllerTrust.normalize(fingerprint: "8F:52:80:64:D7:7A:9E:26:F6:B3:B0:95:C6:11:C5:25:2F:5D:4F:70:87:3D:7E:2C:89:FC:1B:63:EA:E1:71:0E") == hex)
        for bad in ["", "ab", String(hex.dropLast()), hex + "0", String(hex.dropLast()) + "g"] {
            #expect(ControllerTrust.normalize(fingerprint: bad) == nil, "\(bad)")
        }
    }

    /// A CA certificate made with openssl, and its fingerprint as `openssl x509 -noout -fingerprint -sha256` prints it.
    static let pem = """
        -----BEGIN CERTIFICATE-----
        MIIBlzCCAT2gAwIBAgIUObRckpQxvOrc9LjYVycVv8gOGsIwCgYIKoZIzj0EAwIw
        ITEfMB0GA1UEAwwWV2hhcmYgdGVzdCBmaW5nZXJwcmludDAeFw0yNjEyMDEwOTMw
        MTZaFw0zNjExMjgwOTMwMTZaMCExHzAdBgNVBAMMFldoYXJmIHRlc3QgZmluZ2Vy
        cHJpbnQwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARIrrk414QB31z5wEOERjjB
        8b64qY9RYpjtM0GvaLYyUatNtOD+areN0ZWI7yc0+k3inYoD/M3spdxpivarfjxT
        o1MwUTAdBgNVHQ4EFgQU/4zhWeFgwB0+G1Y0JOBCq3TH6u4wHwYDVR0jBBgwFoAU
        /4zhWeFgwB0+G1Y0JOBCq3TH6u4wDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQD
        AgNIADBFAiEAoHYVeINmWFrxpD0RHK/8jEAI511+1pdedJcB9WzdWaYCICQRZIBR
        UFowKRIENXJf093IsJZYk4rIiO+RgfO06CE/
        -----END CERTIFICATE-----
        """
    static let opensslFingerprint = "24:D2:A4:3D:41:17:CC:A7:72:74:A8:83:D0:1D:38:89:0A:4A:70:9F:8D:A3:AC:D9:62:2D:48:BE:F1:A8:CC:3B"

    @Test("the fingerprint of a certificate is openssl's SHA-256 fingerprint")
    func fingerprint() throws {
        let certificate = try NIOSSLCertificate(bytes: Array(Self.pem.utf8), format: .pem)
        #expect(try ControllerTrust.fingerprint(certificate) == ControllerTrust.normalize(fingerprint: Self.opensslFingerprint))
    }

    @Test("a pinned CA saved in the data directory is used without asking the controller; a saved one that does not match is not")
    func savedPin() async throws {
        try await withAgentDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Self.pem.write(toFile: directory + "/" + ControllerTrust.savedCAFile, atomically: true, encoding: .utf8)
            let pin = try #require(ControllerTrust.normalize(fingerprint: Self.opensslFingerprint))
            // Port 1 answers nothing: a fetch would fail.
            let roots = try await ControllerTrust.pinned(fingerprint: pin).roots(controllerURL: "https://127.0.0.1:1", dataDirectory: directory,
                                                                                logger: .init(label: "test"))
            #expect(roots?.count == 1)
            await #expect(throws: AgentError.self) {
                _ = try await ControllerTrust.pinned(fingerprint: String(repeating: "0", count: 64))
                    .roots(controllerURL: "https://127.0.0.1:1", dataDirectory: directory, logger: .init(label: "test"))
            }
        }
    }
}

@Suite("SHA-256")
struct SHA256DigestTests {
    func hex(_ text: String) -> String {
        SHA256Digest.hash(Array(text.utf8)).map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    @Test("the FIPS 180-4 examples, and a message across a block boundary")
    func vectors() {
        #expect(hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(hex(String(repeating: "a", count: 1000)) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }
}
