import Foundation

public enum TestPaths {
    /// The folder holding the built products (the test bundle sits beside `openpieces`).
    public static var productsDirectory: URL {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("openpieces").path) { return url }
        }
        return URL(fileURLWithPath: ".build/debug")
    }

    public static func product(_ name: String) -> String { productsDirectory.appendingPathComponent(name).path }

    /// A fresh directory under the system temp folder, unique per call.
    public static func temporaryDirectory(_ label: String) throws -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("op-test-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
