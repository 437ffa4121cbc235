import CZlib
import Foundation
import WharfModel

/// Request bodies sent with `Content-Encoding: gzip`, as botocore sends a large PutMetricData.
enum GzipBody {
    /// Inflates `data`, refusing a body that inflates past `limit` bytes or is not gzip.
    static func inflate(_ data: Data, limit: Int) throws(ECSError) -> Data {
        var stream = z_stream()
        // 15 window bits, plus 16: a gzip header and trailer around the deflate stream.
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ECSError(.server, "zlib could not start inflating the request body")
        }
        defer { inflateEnd(&stream) }
        var input = [UInt8](data)
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var status: Int32 = Z_OK
        input.withUnsafeMutableBufferPointer { inputBuffer in
            stream.next_in = inputBuffer.baseAddress
            stream.avail_in = uInt(inputBuffer.count)
            while status == Z_OK && output.count <= limit {
                chunk.withUnsafeMutableBufferPointer { chunkBuffer in
                    stream.next_out = chunkBuffer.baseAddress
                    stream.avail_out = uInt(chunkBuffer.count)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    output.append(chunkBuffer.baseAddress!, count: chunkBuffer.count - Int(stream.avail_out))
                }
                if status == Z_BUF_ERROR && stream.avail_in == 0 { break }
            }
        }
        guard output.count <= limit else {
            throw ECSError(.client, "the request body inflates past the controller's limit of \(limit) bytes")
        }
        guard status == Z_STREAM_END else {
            throw ECSError(.serialization, "the request body is marked Content-Encoding: gzip but is not valid gzip")
        }
        return output
    }
}
