import Foundation
import Testing

@testable import JourneySim

/// `TargetURL`, the one parser of backend URLs (`--target`, `drive --url`, `backend.http.url`):
/// what it accepts and how it splits it, what it refuses and how it says so, and that user info
/// never survives into a printed form.
@Suite struct TargetURLTests {
    @Test func usableURLsAreSplitIntoTheirParts() throws {
        let plain = try TargetURL("http://127.0.0.1:8080")
        #expect(
            plain.scheme == .http && plain.host == "127.0.0.1" && plain.port == 8080 && plain.path == ""
                && plain.query == nil)
        #expect(plain.description == "http://127.0.0.1:8080" && plain.authority == "127.0.0.1:8080")
        let defaults = try TargetURL("HTTPS://api.example.test/v2/")
        #expect(
            defaults.scheme == .https && defaults.port == 443 && defaults.explicitPort == nil && defaults.path == "/v2")
        let ipv6 = try TargetURL("http://[::1]:9000/x")
        #expect(ipv6.host == "::1" && ipv6.authority == "[::1]:9000" && ipv6.base == "http://[::1]:9000/x")
        #expect(try TargetURL("http://h:1").port == 1 && TargetURL("http://h:65535").port == 65_535)
    }

    /// A query survives, after each route rather than in the middle of the path.
    @Test func aQueryIsAppendedAfterEachRoute() throws {
        let url = try TargetURL("http://127.0.0.1:8080/api/?key=1&b=x%20y")
        #expect(url.query == "key=1&b=x%20y")
        #expect(url.requestPath(route: "/sms/v1/messages") == "/api/sms/v1/messages?key=1&b=x%20y")
        #expect(url.base == "http://127.0.0.1:8080/api")
        #expect(try TargetURL("http://h/?").query == nil)
        #expect(try TargetURL("http://h").requestPath(route: "/sms/v1/messages") == "/sms/v1/messages")
    }

    /// User info becomes Basic authorization (percent-decoded) and is masked in every printed
    /// form; a lone user name is masked whole.
    @Test func userInfoIsSentAsBasicAuthorizationAndNeverPrinted() throws {
        let url = try TargetURL("http://alice:s3cr%40t@127.0.0.1:8080/api?k=1")
        #expect(url.basicAuthorization == "Basic " + Data("alice:s3cr@t".utf8).base64EncodedString())
        #expect(url.description == "http://alice:***@127.0.0.1:8080/api?k=1")
        #expect(url.base == "http://127.0.0.1:8080/api" && url.authority == "127.0.0.1:8080")
        let key = try TargetURL("https://APIKEY123@api.example.test")
        #expect(key.description == "https://***@api.example.test")
        #expect(key.basicAuthorization == "Basic " + Data("APIKEY123:".utf8).base64EncodedString())
        #expect(try TargetURL("http://h").basicAuthorization == nil)
    }

    @Test(arguments: [
        ("127.0.0.1:8080", "no http:// or https:// scheme"),
        ("ftp://127.0.0.1:21", "the scheme 'ftp' is not supported"),
        ("http://", "names no host"),
        ("http://:8080", "names no host"),
        ("http:///api", "names no host"),
        ("http://127.0.0.1:99999", "the port '99999' is not a port number from 1 to 65535"),
        ("http://127.0.0.1:0", "the port '0'"),
        ("http://127.0.0.1:", "the port ''"),
        ("http://127.0.0.1:80a", "the port '80a'"),
        ("http://127.0.0.1:-1", "the port '-1'"),
        ("http://127.0.0.1:8080/#top", "has a fragment"),
        ("http://127.0.0.1:8080/a b", "contains a space"),
        ("http://127.0.0.1:8080/\\a", "contains a backslash"),
        ("http://host\n.example", "contains a control character"),
        ("http://ho$t:80", "the host 'ho$t'"),
        ("http://[::1:80", "the host '[::1:80'"),
        ("http://[zz]:80", "the host '[zz]:80'"),
        ("http://@host", "user info"),
        ("http://us%zzer:pw@host", "user info"),
    ])
    func unusableURLsAreRefusedNamingTheCause(url: String, message: String) {
        do {
            let parsed = try TargetURL(url)
            Issue.record("\(url) was accepted as \(parsed)")
        } catch {
            #expect(error.description.contains(message), "\(url): \(error.description)")
            #expect(HTTPTargetSpec.urlProblem(url) == error.description)
        }
    }

    /// Even a URL that does not parse is quoted with its user info masked.
    @Test(arguments: [
        "http://bob:hunter2@127.0.0.1:99999", "bob:hunter2@127.0.0.1:8080", "ftp://bob:hunter2@h",
        "http://bob:hunter2@h/#x",
    ])
    func errorsNeverQuoteAPassword(url: String) {
        #expect(!TargetURL.redact(url).contains("hunter2"))
        #expect(
            HTTPTargetSpec.urlProblem(url).map { !$0.contains("hunter2") && $0.contains("bob:***@") } == true, "\(url)")
    }

    /// A scenario's `backend.http.url` goes through the same parser, with the file and field.
    @Test func aScenarioBackendURLIsCheckedTheSameWay() {
        let yaml = """
            population: { customers: 10 }
            backend: { kind: http, http: { url: "http://bob:hunter2@127.0.0.1:99999" } }
            """
        let error = scenarioError(yaml)?.description ?? ""
        #expect(error.contains("backend.http.url") && error.contains("'99999' is not a port number"), "\(error)")
        #expect(!error.contains("hunter2"))
    }
}
