import Generator
import Intent
import Testing
import TestSupport

@Suite(.offPool) struct GeneratorNamingTests {
    @Test func collectionsArePluralPaths() {
        #expect(ServiceGenerator.collectionPath(Resource("note", fields: [])) == "/notes")
        #expect(ServiceGenerator.secretName("orders-webhook") == "ORDERS_WEBHOOK_SECRET")
    }
}
