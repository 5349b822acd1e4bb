#include "JourneySimAllocationCounter.h"

#include <stdlib.h>  // defines __GLIBC__ on glibc systems

#if defined(__linux__) && defined(__GLIBC__)
#include <stdatomic.h>

// glibc's own entry points; defining malloc here interposes it for the whole process.
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);

static _Atomic unsigned long long allocations;

void *malloc(size_t size) {
    atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
    atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
    return __libc_realloc(pointer, size);
}

unsigned long long journeysim_allocations(void) {
    return atomic_load_explicit(&allocations, memory_order_relaxed);
}

int journeysim_allocations_counted(void) { return 1; }
#else
unsigned long long journeysim_allocations(void) { return 0; }
int journeysim_allocations_counted(void) { return 0; }
#endif
