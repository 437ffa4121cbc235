import Foundation
import WharfModel

/// Turning request bodies into shapes and shapes into response bodies, with the errors the AWS
/// SDKs expect: `SerializationException` for a body that is not JSON or has a member of the wrong
/// type, `InvalidParameterException` for a broken model constraint.
enum ECSWire {
    static func decode<Request: ECSShape>(_ data: Data) throws(ECSError) -> Request {
        let body = data.isEmpty ? Data("{}".utf8) : data
        if let readable = Request.self as? any JSONReadable.Type {
            let request: Request = try read(readable, body)
            return try request.validated()
        }
        let request: Request
        do {
            request = try ECSJSON.decoder().decode(Request.self, from: body)
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty,
               (try? JSONSerialization.jsonObject(with: body)) != nil {
                // Foundation reports a fraction or an out-of-range number for an integer member
                // as invalid JSON without a path; the body itself parses.
                throw ECSError(.serialization, "the request body is valid JSON, but a number in it does not fit its member: integer members take whole numbers from -2^63 to 2^63-1")
            }
            throw ECSError(.serialization, describe(error))
        } catch {
            throw ECSError(.serialization, "the request body is not valid JSON: \(error)")
        }
        return try request.validated()
    }

    /// A request read by its generated reader (every generated shape has one), without
    /// `JSONDecoder`; its failures in the words `decode` uses.
    private static func read<Request: ECSShape>(
        _ readable: any JSONReadable.Type,
        _ body: Data
    ) throws(ECSError) -> Request {
        var failure: JSONReader.Failure?
        let value: (any JSONReadable)? = body.withUnsafeBytes { bytes in
            do throws(JSONReader.Failure) {
                return try readable.read(json: bytes)
            } catch {
                failure = error
                return nil
            }
        }
        if let request = value as? Request { return request }
        let reason = failure?.description ?? "not a \(Request.self)"
        if (try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])) == nil {
            throw ECSError(.serialization, "the request body is not valid JSON: \(reason)")
        }
        throw ECSError(.serialization, reason)
    }

    /// A response body: written directly when the response is a generated shape (``JSONWritable``),
    /// else by `JSONEncoder`, which is also what refuses a number JSON cannot carry.
    static func encode(_ response: some Encodable) throws(ECSError) -> Data {
        if let writable = response as? any JSONWritable, let data = writable.jsonData() { return data }
        do {
            return try ECSJSON.encoder().encode(response)
        } catch {
            throw ECSError(.server, "the response could not be encoded: \(error)")
        }
    }

    /// A decoding error in words: where in the request, and what was expected there.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            var text = ""
            for key in context.codingPath {
                if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
            return text.isEmpty ? "the request body" : text
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(path(context)): expected \(name(of: type))"
        case .valueNotFound(let type, let context):
            return "\(path(context)): expected \(name(of: type)), found null"
        case .keyNotFound(let key, let context):
            return "\(path(context)): missing \(key.stringValue)"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "the request body is not valid JSON" }
            return "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "the request body does not match the operation's input"
        }
    }

    static func name(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "a boolean"
        case is Date.Type: "a timestamp in epoch seconds"
        default:
            String(describing: type).hasPrefix("Array") ? "a list" : "an object"
        }
    }
}
