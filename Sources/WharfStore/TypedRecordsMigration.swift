import Foundation
import SQLiteNIO
import WharfModel
import WharfState

/// Migration 6: from the ECS shapes schema version 5 stored (tasks as ECS `Task`s keyed by ARN,
/// instances with their desired-state version) to typed records keyed by ID. Every row is read,
/// converted (``Legacy``) and written again inside the migration's transaction, so a data
/// directory either upgrades whole or stays as it was. Services and access keys keep their rows.
enum TypedRecordsMigration {
    static func run(_ connection: SQLiteConnection) async throws {
        for statement in [
            "ALTER TABLE clusters RENAME TO v5_clusters",
            "DROP INDEX task_definitions_family",
            "ALTER TABLE task_definitions RENAME TO v5_task_definitions",
            "ALTER TABLE container_instances RENAME TO v5_container_instances",
            "DROP INDEX tasks_cluster",
            "ALTER TABLE tasks RENAME TO v5_tasks",
            "ALTER TABLE activations RENAME TO v5_activations",
            "CREATE TABLE clusters (name TEXT PRIMARY KEY, body TEXT NOT NULL)",
            """
            CREATE TABLE task_definitions (family TEXT NOT NULL, revision INTEGER NOT NULL, body TEXT NOT NULL,
                PRIMARY KEY (family, revision))
            """,
            "CREATE TABLE instances (id TEXT PRIMARY KEY, cluster TEXT NOT NULL, body TEXT NOT NULL)",
            "CREATE TABLE tasks (id TEXT PRIMARY KEY, cluster TEXT NOT NULL, body TEXT NOT NULL)",
            "CREATE TABLE activations (id TEXT PRIMARY KEY, body TEXT NOT NULL)",
            "CREATE TABLE controller_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
        ] {
            _ = try await connection.query(statement)
        }
        let decoder = ECSJSON.decoder()
        let encoder = ECSJSON.encoder()
        func convert<Old: Decodable>(
            _ table: String,
            _ type: Old.Type,
            _ change: (Old) throws -> StateChange
        ) async throws {
            let rows = try await connection.query("SELECT body FROM v5_\(table)")
            let changes = try rows.map {
                try RowChange(change(try decoder.decode(Old.self, from: SQLiteStore.body($0))), encoder: encoder)
            }
            try await SQLiteRowWriter.write(changes, on: connection)
            _ = try await connection.query("DROP TABLE v5_\(table)")
        }
        try await convert("clusters", ECS.Cluster.self) { .putCluster(try Legacy.cluster($0)) }
        try await convert("task_definitions", Legacy.TaskDefinitionRecord.self) {
            .putTaskDefinition(try Legacy.taskDefinition($0))
        }
        try await convert("container_instances", Legacy.ContainerInstanceRecord.self) {
            .putInstance(try Legacy.instance($0))
        }
        try await convert("tasks", ECS.Task.self) { .putTask(try Legacy.task($0)) }
        try await convert("activations", Legacy.ActivationRecord.self) { .putActivation(try Legacy.activation($0)) }
    }
}
