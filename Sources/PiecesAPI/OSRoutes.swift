import Core
import HTTPServer

/// Pieces OS account and process controls, answered for a local-only server: there is no Pieces cloud account to
/// sign in to or out of, and OpenPieces is restarted by the service manager that runs it.
extension PiecesAPI {
    func installOS(_ r: inout Router) {
        r.post("/os/sign_in") { _ in .jsonValue(LocalUser.profile) }
        r.post("/os/sign_out") { _ in
            // The SDK reads `Users`: the local user stays, since it is the only one.
            .jsonValue(["iterable": [LocalUser.profile],
                        "message": "OpenPieces is local-only: there is no Pieces cloud account to sign out of, so the local user stays signed in."])
        }
        let restart: @Sendable (Request) async throws -> Response = { _ in
            .jsonValue(["restarted": false,
                        "message": "OpenPieces is not restarted through the API: restart it with the service manager that runs it (systemd, launchd, Docker), e.g. 'systemctl restart openpieces'."])
        }
        r.get("/os/restart", restart)
        r.post("/os/restart", restart)
    }
}
