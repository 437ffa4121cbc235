import Foundation
import SQLiteNIO
import WharfModel
import WharfState

/// Migration 7: services from ECS's `Service` shape, which versions 6 and before stored, to typed
/// records (``Legacy/service(_:)``). Every row is converted inside the migration's transaction.
enum TypedServicesMigration {
    static func run(_ connection: SQLiteConnection) async throws {
        let decoder = ECSJSON.decoder()
        let encoder = ECSJSON.encoder()
        let rows = try await connection.query("SELECT body FROM services")
        let changes = try rows.map {
            let old = try decoder.decode(Legacy.ServiceRecord.self, from: SQLiteStore.body($0))
            return try RowChange(.putService(try Legacy.service(old)), encoder: encoder)
        }
        try await SQLiteRowWriter.write(changes, on: connection)
    }
}
