import Testing
@testable import JourneySim

@Test func placeholder() { #expect(true) }
