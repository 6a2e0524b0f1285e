import App
import TestSupport

extension ServeOptions {
    /// Options for an in-process server on a fresh data directory, on the suite's backend (`TestDatabase`).
    static func forTest(_ name: String) throws -> ServeOptions {
        let home = try TestPaths.temporaryDirectory(name)
        var options = ServeOptions(home: home)
        options.databaseURL = TestDatabase.address(home: home)
        return options
    }
}
