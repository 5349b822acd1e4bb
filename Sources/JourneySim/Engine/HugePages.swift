#if canImport(Glibc)
import Glibc
#endif

/// Allocation of the large per-customer arrays on transparent huge pages.
///
/// The trigger core and the simulator read a few bytes at random places in arrays of hundreds
/// of megabytes. With 4 KiB pages nearly every such read also misses the TLB, and in a virtual
/// machine a page walk is itself several memory accesses; software prefetches of such lines
/// may be dropped. Where the kernel offers transparent huge pages only on request (`madvise`
/// mode, the common default), asking for them before the memory is first touched maps these
/// arrays with 2 MiB pages. Elsewhere this is a plain allocation; contents are the same.
enum HugePages {
    /// Arrays smaller than this are left alone: a huge page would be mostly empty.
    static let threshold = 4 << 20

    /// A `count`-element array filled with `value`, advised onto huge pages when large.
    static func array<Element>(repeating value: Element, count: Int) -> ContiguousArray<Element> {
        ContiguousArray(unsafeUninitializedCapacity: count) { buffer, initialized in
            advise(UnsafeMutableRawBufferPointer(buffer))
            if let base = buffer.baseAddress { base.initialize(repeating: value, count: count) }
            initialized = count
        }
    }

    /// A copy of `array` with room for `capacity` elements, advised onto huge pages when large
    /// (for pools that grow: the new storage is advised before the copy touches it).
    static func grown<Element>(_ array: ContiguousArray<Element>, capacity: Int) -> ContiguousArray<Element> {
        ContiguousArray(unsafeUninitializedCapacity: max(capacity, array.count)) { buffer, initialized in
            advise(UnsafeMutableRawBufferPointer(buffer))
            array.withUnsafeBufferPointer { old in
                if let base = buffer.baseAddress, let source = old.baseAddress { base.initialize(from: source, count: old.count) }
            }
            initialized = array.count
        }
    }

    /// Advises the 2 MiB-aligned interior of `buffer` (the only part that can be a huge page).
    static func advise(_ buffer: UnsafeMutableRawBufferPointer) {
        #if os(Linux)
        guard buffer.count >= threshold, let base = buffer.baseAddress else { return }
        let huge = 2 << 20
        let start = (Int(bitPattern: base) + huge - 1) & ~(huge - 1)
        let end = (Int(bitPattern: base) + buffer.count) & ~(huge - 1)
        guard end > start, let pointer = UnsafeMutableRawPointer(bitPattern: start) else { return }
        // Advice only: if the kernel refuses, the memory stays on ordinary pages.
        _ = madvise(pointer, end - start, MADV_HUGEPAGE)
        #endif
    }
}
