import App
import Store
import Testing
import TestSupport

@Suite(.offPool) struct SchemaTests {
    /// Released migrations keep their numbers and names forever: databases in the field record them.
    @Test func everyModulesMigrationsAreUniqueAndKeepTheirNumbers() throws {
        let registry = try MigrationRegistry(Schema.all)
        let released: [(Int, String)] = [
            (1, "settings"), (2, "pieces"), (3, "secrets"), (4, "model_states"), (5, "services"), (6, "service_events"),
            (7, "brain"), (8, "chats"), (9, "repairs"), (10, "workflows"), (11, "tasks"), (12, "runs"),
            (13, "run_queue_and_steps"), (14, "task_instants_ms"), (15, "auth"), (16, "webhooks"),
            (17, "service_version_sources"), (18, "chat_message_detail"), (20, "endpoint_output_schema"), (21, "llm_calls"),
            (22, "chat_model"), (23, "message_model_name"), (24, "pieces_links"), (25, "pieces_grounding_messages"), (28, "codegen_sessions"), (29, "service_stop_reason"),
        ]
        let current = registry.migrations.map { ($0.version, $0.name) }
        #expect(current.prefix(released.count).elementsEqual(released, by: ==), "\(current)")
        // Each is declared in the module that owns its tables.
        #expect(registry.migrations.first { $0.name == "services" }?.module == "Services")
        #expect(registry.migrations.first { $0.name == "settings" }?.module == "App")
    }
}
