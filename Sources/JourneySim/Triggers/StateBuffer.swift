#if canImport(Glibc)
    import Glibc
#endif

/// A buffer of plain values for the trigger core's hot state, read and written through a
/// pointer with no copy-on-write check per access.
///
/// Why not `ContiguousArray`: every element write through an array in a mutating method that
/// is not inlined into its caller asks the runtime whether the buffer is uniquely referenced.
/// Every such check is a runtime call, with spilled registers and reloads around it, and the
/// core's hot loop made many of them per event. Here the owner (`TriggerCore`, `DueQueue`,
/// `CapLedger`) asks once, in `makeUnique()`, at each public mutating entry point, and every
/// access after that is a load or a store. A copy of the owner therefore still behaves as a
/// value: the first of the two copies to be mutated afterwards copies its buffers.
///
/// The storage is aligned to 64 bytes (so a 16- or 32-byte record never straddles two cache
/// lines) and, from 4 MiB, advised onto transparent huge pages (`HugePages.advise`).
/// Elements are `BitwiseCopyable`: nothing to release, and a copy is a `memcpy`.
///
/// Indices are checked by `assert`, that is in debug builds (the tests), not in release builds.
struct StateBuffer<Element: BitwiseCopyable>: @unchecked Sendable {
    /// Owns the allocation; its only stored property is a constant, so reaching the elements
    /// costs no exclusivity check either.
    final class Owner {
        let base: UnsafeMutablePointer<Element>

        init(capacity: Int) {
            let bytes = max(1, capacity) * MemoryLayout<Element>.stride
            let huge = bytes >= HugePages.threshold
            let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: huge ? 2 << 20 : 64)
            if huge { HugePages.advise(UnsafeMutableRawBufferPointer(start: raw, count: bytes)) }
            base = raw.bindMemory(to: Element.self, capacity: max(1, capacity))
        }

        deinit { UnsafeMutableRawPointer(base).deallocate() }
    }

    private var owner: Owner
    /// The first element; valid until the buffer grows or is made unique.
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var count: Int
    private(set) var capacity: Int

    /// An empty buffer with room for `capacity` elements. Pages are touched only as elements are
    /// appended, so a large reserve costs address space, not memory.
    init(capacity: Int = 0) {
        owner = Owner(capacity: capacity)
        base = owner.base
        count = 0
        self.capacity = max(1, capacity)
    }

    /// `count` copies of `value`.
    init(repeating value: Element, count: Int) {
        self.init(capacity: count)
        base.initialize(repeating: value, count: count)
        self.count = count
    }

    init(copying elements: some Collection<Element>) {
        self.init(capacity: elements.count)
        for element in elements { append(element) }
    }

    var isEmpty: Bool { count == 0 }
    var allocatedBytes: Int { capacity * MemoryLayout<Element>.stride }

    subscript(index: Int) -> Element {
        @inline(__always) unsafeAddress {
            assert(index >= 0 && index < count, "StateBuffer index \(index) out of 0..<\(count)")
            return UnsafePointer(base + index)
        }
        @inline(__always) nonmutating unsafeMutableAddress {
            assert(index >= 0 && index < count, "StateBuffer index \(index) out of 0..<\(count)")
            return base + index
        }
    }

    /// The address of an element or of the end, for prefetching (not checked, never read here).
    @inline(__always) func address(_ index: Int) -> UnsafeMutablePointer<Element> { base + index }

    @inline(__always) mutating func append(_ element: Element) {
        if count == capacity { reallocate(capacity: max(16, capacity &* 2)) }
        (base + count).initialize(to: element)
        count &+= 1
    }

    /// Removes and returns the last element, if any.
    @inline(__always) mutating func popLast() -> Element? {
        guard count > 0 else { return nil }
        count &-= 1
        return base[count]
    }

    mutating func removeAll() { count = 0 }

    /// Grows (or shrinks down to the count) to exactly `newCapacity` elements, keeping them.
    mutating func reallocate(capacity newCapacity: Int) {
        let target = max(newCapacity, count, 1)
        let larger = Owner(capacity: target)
        larger.base.initialize(from: base, count: count)
        owner = larger
        base = larger.base
        capacity = target
    }

    /// Copies the elements into storage of its own if another copy of this buffer shares them.
    /// Returns true when it copied.
    @discardableResult
    mutating func makeUnique() -> Bool {
        if isKnownUniquelyReferenced(&owner) { return false }
        reallocate(capacity: capacity)
        return true
    }
}
