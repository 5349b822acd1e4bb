#if canImport(Glibc)
    import Glibc
#endif

/// Advice that large buffers be mapped on transparent huge pages (used by `StateBuffer`, which
/// holds the trigger core's per-customer state).
///
/// The trigger core reads a few bytes at random places in buffers of hundreds of megabytes.
/// With 4 KiB pages nearly every such read also misses the TLB, and in a virtual machine a page
/// walk is itself several memory accesses; software prefetches of such lines may be dropped.
/// Where the kernel offers transparent huge pages only on request (`madvise` mode, the common
/// default), asking for them before the memory is first touched maps these buffers with 2 MiB
/// pages. Elsewhere the advice does nothing; contents are the same either way.
enum HugePages {
    /// Buffers smaller than this are left alone: a huge page would be mostly empty.
    static let threshold = 4 << 20

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
