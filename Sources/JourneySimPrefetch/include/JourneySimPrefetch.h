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

/// Replays a winner tree of 128-bit keys (`DueQueue.tree`: node `n` holds the smaller of nodes
/// `2n` and `2n + 1`, the root is node 1; each key is two 64-bit words, low word first) from the
/// leaf at index `leaf`, whose key changed, up to the root. `nodes` is 16-byte aligned.
///
/// Why C, and on x86-64 assembly: which sibling wins is a coin toss, so each level must be a
/// conditional move. Written in Swift, or in C even with `__builtin_unpredictable`, LLVM
/// turned the 128-bit select into a branch. Here the key travels up in two registers and each
/// level is a compare, a subtract with borrow and two conditional moves.
static inline void journeysim_replay(void *nodes, long leaf) {
    /* Byte offsets rather than node indices: a node is 16 bytes, its sibling is the offset with
       bit 4 flipped and its parent the offset halved with bit 3 cleared, so a level costs no
       index-to-address arithmetic (15 instructions instead of 19). */
    char *tree = (char *)nodes;
    unsigned long offset = (unsigned long)leaf << 4;
    unsigned long long low = *(unsigned long long *)(tree + offset);
    unsigned long long high = *(unsigned long long *)(tree + offset + 8);
    while (offset > 16) {
        const char *sibling = tree + (offset ^ 16);
        unsigned long long siblingLow = *(const unsigned long long *)sibling;
        unsigned long long siblingHigh = *(const unsigned long long *)(sibling + 8);
#if defined(__x86_64__)
        unsigned long long scratch;
        /* The borrow out of sibling - key (128 bits) is set exactly when sibling < key. */
        __asm__("mov %[sh], %[t]\n\t"
                "cmp %[lo], %[sl]\n\t"
                "sbb %[hi], %[t]\n\t"
                "cmovb %[sl], %[lo]\n\t"
                "cmovb %[sh], %[hi]"
                : [lo] "+r"(low), [hi] "+r"(high), [t] "=&r"(scratch)
                : [sl] "r"(siblingLow), [sh] "r"(siblingHigh)
                : "cc");
#else
        if (siblingHigh < high || (siblingHigh == high && siblingLow < low)) {
            low = siblingLow;
            high = siblingHigh;
        }
#endif
        offset = (offset >> 1) & ~15UL;
        *(unsigned long long *)(tree + offset) = low;
        *(unsigned long long *)(tree + offset + 8) = high;
    }
}

#endif
