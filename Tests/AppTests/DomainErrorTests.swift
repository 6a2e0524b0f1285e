import Agents
import Auth
import HTTPServer
import PiecesAPI
import PlatformAPI
import Secrets
import Services
import Testing
import Webhooks

/// Domain errors carry no HTTP; the API modules give each its answer, and the router answers it for any handler.
@Suite struct DomainErrorTests {
    func answer(_ e: any Error) -> (Int, String, String)? {
        guard let e = e as? any HTTPResponseError else { return nil }
        return (e.status, e.code, e.message)
    }

    @Test func everyKindOfServiceFailureHasItsAnswer() {
        let cases: [(ServiceManager.Failure.Kind, Int, Bool)] = [(.notFound, 404, false), (.invalid, 400, false), (.conflict, 409, false),
                                                                 (.rejected, 422, false), (.notRunning, 503, true), (.serviceFailed, 502, true)]
        for (kind, status, transient) in cases {
            let f = ServiceManager.Failure(kind, code: "c", description: "what to do")
            #expect(answer(f)?.0 == status)
            #expect(answer(f)?.1 == "c")
            #expect(answer(f)?.2 == "what to do")
            #expect(f.isTransient == transient)
        }
    }

    @Test func chatStoreAndSnippetFailuresKeepTheirCodes() {
        #expect(answer(ChatService.Failure.noSuchChat("m"))! == (404, "not_found", "m"))
        #expect(answer(ChatService.Failure.invalidMessage("m"))! == (400, "invalid_message", "m"))
        #expect(answer(ChatService.Failure.busy("m"))! == (409, "busy", "m"))
        #expect(answer(SecretStore.Failure.tooLarge(8))! == (400, "invalid_secret", "a secret may hold at most 8 bytes"))
        #expect(answer(SnippetTooLarge(description: "m"))! == (413, "fragment_too_large", "m"))
        #expect(answer(HTTPError(418, code: "teapot", message: "m"))! == (418, "teapot", "m"))
    }
}
