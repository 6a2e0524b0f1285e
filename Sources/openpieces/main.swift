import App
import Foundation

// The binary is thin: everything it does lives in the App module, where tests reach it.
let code = await CLI.main(Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment)
exit(code)
