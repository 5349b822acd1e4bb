/// The names behind event ids: the built-in kinds, the message interactions and the custom
/// events a scenario's journey declares, each custom event with its typed properties.
///
/// Built once at load time. Everything after that (the journey program, the trigger core, the
/// metrics) works with `EventKind` ids and property indices; names come back only in traces,
/// summaries and errors.
public struct EventCatalog: Sendable, Equatable {
    public struct Property: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            case number
            case bool
            /// A name from a fixed list, carried as its index.
            case category([String])
        }
        public var name: String
        public var kind: Kind
    }

    public struct Custom: Sendable, Equatable {
        public var name: String
        public var properties: [Property]
    }

    /// In id order from `EventKind.firstCustom`.
    public private(set) var custom: [Custom]

    public static let builtIn = EventCatalog(custom: [])

    public init(custom: [Custom]) {
        precondition(custom.count <= EventKind.maxCustom, "at most \(EventKind.maxCustom) custom events")
        self.custom = custom
    }

    /// The kind with this name: built-in, message interaction or custom.
    public func kind(named name: String) -> EventKind? {
        if let kind = EventKind(name: name) { return kind }
        guard let index = custom.firstIndex(where: { $0.name == name }) else { return nil }
        return EventKind(rawValue: EventKind.firstCustom + UInt8(index))
    }

    public func name(of kind: EventKind) -> String {
        guard kind.isCustom else { return kind.name }
        let index = Int(kind.rawValue - EventKind.firstCustom)
        return index < custom.count ? custom[index].name : kind.name
    }

    /// The declaration of a custom kind (nil for the others).
    public func declaration(of kind: EventKind) -> Custom? {
        guard kind.isCustom else { return nil }
        let index = Int(kind.rawValue - EventKind.firstCustom)
        return index < custom.count ? custom[index] : nil
    }

    /// Every name a scenario may use, for "did you mean" hints.
    public var allNames: [String] { EventKind.named.map(\.name) + custom.map(\.name) }
}
