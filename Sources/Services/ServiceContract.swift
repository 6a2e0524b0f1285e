/// The names a service is given by the platform: the one list the supervisor, the test runs and the agents' prompts
/// use (a test checks the prompts name only these).
public enum ServiceContract {
    /// The port to listen on, at 127.0.0.1.
    public static let port = "PORT"
    /// The service's own public base URL (no trailing slash): for absolute links and redirects it hands out.
    public static let publicURL = "OPENPIECES_PUBLIC_URL"
    /// A trigger's way to report an event: POST `{"event", "payload"}` here.
    public static let notifyURL = "OPENPIECES_NOTIFY_URL"
    /// A trigger's credential for `notifyURL` (`Authorization: Bearer …`).
    public static let serviceToken = "OPENPIECES_SERVICE_TOKEN"
    /// Headers on every proxied request (and on the platform's own calls, which arrive the same way).
    public static let forwardedHeaders = ["X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Prefix", "X-Forwarded-For"]

    public static var variables: [String] { [port, publicURL, notifyURL, serviceToken] }
    /// Answers 200 once the service is ready.
    public static let healthPath = "/health"
    /// The only directory a service may write, inside its own.
    public static let dataDirectory = "data"
}
