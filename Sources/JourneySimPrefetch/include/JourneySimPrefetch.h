#ifndef JOURNEYSIM_PREFETCH_H
#define JOURNEYSIM_PREFETCH_H

/// Asks the CPU to start loading the cache line holding `address` (for reading and writing soon).
///
/// Swift has no prefetch intrinsic. The trigger core's state for a million customers does not
/// fit in cache, so each due message costs several DRAM round trips; issuing these loads for
/// messages and events a few steps ahead lets them overlap instead of stalling one by one.
/// A prefetch never faults and has no effect on results, only on timing.
static inline void journeysim_prefetch(const void *address) {
    __builtin_prefetch(address, 1, 3);
}

#endif
