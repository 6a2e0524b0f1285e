// Test helper for the kill -9 durability test: writes rows one transaction at a time and prints each id
// only after its write returned. The parent kills this process at a random moment and checks every printed id.
import Foundation
import Store
#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: CrashProbe <database path>\n".utf8))
    exit(2)
}
do {
    let db = try Database(path: arguments[1], migrations: [
        Migration(1, "probe", "CREATE TABLE probe (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)"),
    ])
    var id = 0
    while true {
        id += 1
        let current = id
        try db.write { try $0.execute("INSERT INTO probe(id, payload) VALUES (?, ?)", [current, String(repeating: "p", count: 200)]) }
        let line = "\(current)\n"
        _ = line.withCString { Glibc.write(1, $0, strlen($0)) }
    }
} catch {
    FileHandle.standardError.write(Data("CrashProbe: \(error)\n".utf8))
    exit(1)
}
