#ifndef JOURNEYSIM_ALLOCATION_COUNTER_H
#define JOURNEYSIM_ALLOCATION_COUNTER_H

/// Heap allocations (`malloc`, `calloc`, `realloc`) the process has made so far, so `bench` can
/// report allocations per event: the hot paths are meant to allocate nothing once their buffers
/// have grown, and a change that starts allocating per event should show up in CI.
///
/// Counted by wrapping glibc's allocator in a shared library that `journeysim bench` preloads
/// (LD_PRELOAD) into a run of itself; bench finds this function with `dlsym`. Aligned
/// allocations (`posix_memalign`, `aligned_alloc`) are not counted; the Swift runtime uses them
/// only for over-aligned types.
unsigned long long journeysim_allocations(void);

/// 1 when allocations are counted (Linux with glibc), 0 elsewhere.
int journeysim_allocations_counted(void);

#endif
