/// The scenario schema's `backend` definition: the simulated providers and an HTTP target.
extension ScenarioSchema {
    /// Where messages go (`backend:`): the simulated providers per channel, or an HTTP target.
    static var backendDefinitions: [(String, WireJSON)] {
        let delay = closed(["median", "sigma"], ["median": ref("duration"), "sigma": number(min: 0, max: 5)])
        return [
            (
                "backend",
                closed(
                    BackendSpec.keys,
                    [
                        "kind": oneOf(names: BackendSpec.Kind.allCases.map(\.rawValue)), "seed": integer(min: 0),
                        "channels": keyed(
                            by: channelNames,
                            closed(
                                BackendSpec.channelKeys,
                                [
                                    "latency": delay, "read_delay": delay, "failure_rate": probability,
                                    "undeliverable_rate": probability,
                                    "server_error_rate": probability, "read_probability": probability,
                                    "rate_limit_per_second": number(min: 0, max: 1_000_000),
                                    "burst": integer(min: 1, max: 1_000_000), "max_queue_delay": ref("duration"),
                                    "senders": integer(min: 1, max: 100_000),
                                ])),
                        "http": closed(
                            HTTPTargetSpec.keys,
                            [
                                "url": .object([
                                    ("type", .string("string")),
                                    ("pattern", .string("^[hH][tT][tT][pP][sS]?://[^/ ]+")),
                                ]),
                                "token_env": .object([
                                    ("type", .string("string")), ("pattern", .string("^[A-Za-z_][A-Za-z0-9_]*$")),
                                ]),
                                "routes": keyed(
                                    by: channelNames,
                                    .object([("type", .string("string")), ("pattern", .string("^/"))])),
                                "concurrency": integer(min: 1, max: 10_000), "connect_timeout": ref("duration"),
                                "timeout": ref("duration"),
                                "max_attempts": integer(min: 1, max: 20), "backoff_base": ref("duration"),
                                "backoff_max": ref("duration"),
                            ], required: ["url"]),
                    ])
            )
        ]
    }
}
