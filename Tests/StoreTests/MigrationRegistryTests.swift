import Foundation
import Store
import Testing
import TestSupport

@Suite(.offPool) struct MigrationRegistryTests {
    func freshPath() throws -> String {
        (try TestPaths.temporaryDirectory("registry") as NSString).appendingPathComponent("t.sqlite")
    }

    @Test func aVersionClaimedTwiceIsRefusedNamingBothModules() throws {
        let path = try freshPath()
        let notes = Migration(1, "notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY)", origin: "Notes/NoteStore.swift")
        let tags = Migration(1, "tags", "CREATE TABLE tags (id INTEGER PRIMARY KEY)", origin: "Tags/TagStore.swift")
        do {
            _ = try TestDatabase.open(path, migrations: [notes, tags])
            Issue.record("a duplicate version was accepted")
        } catch let e as StoreError {
            let text = e.description
            #expect(text.contains("version 1"), "\(text)")
            #expect(text.contains("module Notes, Notes/NoteStore.swift") && text.contains("module Tags, Tags/TagStore.swift"), "\(text)")
            #expect(text.contains("2 is free"), "\(text)")
        }
        // Refused before the file is opened: nothing was applied.
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func aNameClaimedTwiceIsRefused() throws {
        let a = Migration(1, "notes", "CREATE TABLE a (x)", origin: "A/A.swift")
        let b = Migration(2, "notes", "CREATE TABLE b (x)", origin: "B/B.swift")
        #expect(throws: StoreError.duplicateMigration(what: "name 'notes'", first: "1 'notes' (module A, A/A.swift)",
                                                      second: "2 'notes' (module B, B/B.swift)", nextFree: 3)) {
            _ = try MigrationRegistry([a, b])
        }
    }

    @Test func uniqueMigrationsAreOrderedByVersionAndOriginDefaultsToTheDeclaringFile() throws {
        let late = Migration(7, "late", "SELECT 1")
        let early = Migration(2, "early", "SELECT 1")
        #expect(late.origin == "StoreTests/MigrationRegistryTests.swift")
        #expect(late.module == "StoreTests")
        #expect(try MigrationRegistry([late, early]).migrations.map(\.version) == [2, 7])
        #expect(throws: StoreError.self) { _ = try MigrationRegistry([Migration(0, "zero", "SELECT 1")]) }
    }
}
