import Agents
import Auth
import Webhooks
import Brain
import PiecesAPI
import Secrets
import Services
import Workflows
import Store

/// The product's schema, one migration per change, never edited once released.
public enum Schema {
    /// Every migration of every module. Versions are global and hand-picked (the next free one); `Database` checks the
    /// whole list at start-up through `MigrationRegistry` and refuses a version or name claimed twice, naming both modules.
    /// The full-text indexes among its tables: copies between stores build them again (`StoreCopy`).
    public static let textIndexes: [TextIndex] = [PiecesSchema.assetIndex, Brain.index]
    /// What a running set of replicas decided for itself, not copied by backups and moves: which replica runs which
    /// service (a restored installation places its services afresh).
    public static let runtimeTables: Set<String> = ["service_placements"]

    public static var all: [Migration] { core + PiecesAPI.migrations + SecretStore.migrations + ServiceStore.migrations + PlacementStore.migrations + Brain.migrations + ChatService.migrations + Repairs.migrations + WorkflowStore.migrations + TaskStore.migrations + RunStore.migrations + AuthStore.migrations + WebhookStore.migrations }

    static let core: [Migration] = [
        Migration(1, "settings") { d in """
            CREATE TABLE settings (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL,
                updated_at TEXT NOT NULL DEFAULT (\(d.now))
            );
            """ },
    ]
}
