import Auth
import Core
import Foundation
import Store

/// `openpieces admin-token [--home DIR]`: replaces a lost admin token. Prints the new one once.
enum AdminTokenCommand {
    static let help = """
        usage: openpieces admin-token [--home DIR]

        Makes a new admin token for the data directory and prints it once; the old one stops working.
        Restart a running server so it uses the new one.
        """

    static func run(_ arguments: [String], _ environment: [String: String]) -> Int32 {
        let options: ServeOptions
        do { options = try OptionSpec.resolve(arguments: arguments, environment: environment) } catch {
            CLI.fail("\(error.message). See 'openpieces admin-token --help'.")
            return 2
        }
        if case .sqlite(let path) = options.database, !FileManager.default.fileExists(atPath: path) {
            CLI.fail("no database in \(options.home): run `openpieces serve` once (it makes the first token), or pass --home.")
            return 1
        }
        do {
            let db = try Database(location: options.database, migrations: Schema.all)
            let token = try AuthStore(db: db).setAdminToken()
            print(token)
            FileHandle.standardError.write(Data("new admin token above (shown once). Restart a running server to use it.\n".utf8))
            return 0
        } catch {
            CLI.fail("could not set the admin token: \(error)")
            return 1
        }
    }
}
