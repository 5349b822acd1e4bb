import AsyncHTTPClient
import NIOCore

extension HTTPBackend {
    /// One attempt over AsyncHTTPClient (`https://` targets): at most `maxResponseBytes` of the
    /// answer is read; a bigger one is cut off (and the connection dropped), so a misbehaving
    /// server cannot make the driver buffer it.
    static func execute(
        _ request: HTTPClientRequest, on client: HTTPClient, timeout: TimeAmount
    ) async -> Result<HTTPResponseSummary, AttemptFailure> {
        do {
            let response = try await client.execute(request, timeout: timeout)
            let body: ByteBuffer?
            do {
                body = try await response.body.collect(upTo: HTTPBackend.maxResponseBytes)
            } catch {
                body = nil  // too large (NIOTooManyBytesError) or cut off: the status still stands
            }
            return .success(
                HTTPResponseSummary(
                    status: Int(response.status.code), messageID: response.headers.first(name: "X-Message-Id"),
                    retryAfter: response.headers.first(name: "Retry-After"), body: body))
        } catch {
            return .failure(AttemptFailure(kind: classify(error), description: String(describing: error)))
        }
    }
}
