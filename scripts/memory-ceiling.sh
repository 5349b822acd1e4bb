#!/usr/bin/env bash
# The machine's random-memory ceiling, for reading the trigger core's figures: how long one
# cache miss takes when nothing else is in flight (a pointer chase), and how many random
# 64-byte lines a core can read per second when every address is known ahead (independent
# reads, the best any prefetching can do). Both over a buffer of MB megabytes on transparent
# huge pages, like the core's per-customer arrays.
#
#   scripts/memory-ceiling.sh          # 256 MB (about the trigger benchmark's state at 1 M customers)
#   scripts/memory-ceiling.sh 16       # fits the last-level cache on most machines
#
# Needs a C compiler (cc, which the Swift toolchain brings as clang). Exit 2 on a setup problem.
set -euo pipefail
megabytes="${1:-256}"
[[ "$megabytes" =~ ^[0-9]+$ ]] && (( megabytes >= 1 && megabytes <= 16384 )) || {
    echo "memory-ceiling: give the buffer size in MB, 1 to 16384 (got '$megabytes')" >&2; exit 2; }
compiler="$(command -v cc || command -v clang || command -v gcc || true)"
[[ -n "$compiler" ]] || { echo "memory-ceiling: no C compiler found (cc, clang or gcc)" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/ceiling.c" <<'C'
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint64_t next(uint64_t *state) {  /* xorshift64: addresses the hardware cannot guess */
    *state ^= *state << 13; *state ^= *state >> 7; *state ^= *state << 17;
    return *state;
}

int main(int argc, char **argv) {
    size_t bytes = (size_t)atol(argv[1]) << 20, lines = bytes / 64, reads = 20000000;
    char *buffer = aligned_alloc(2u << 20, bytes);
    uint32_t *order = malloc(reads * sizeof *order);
    if (!buffer || !order) { fprintf(stderr, "memory-ceiling: cannot allocate %zu MB\n", bytes >> 20); return 2; }
    madvise(buffer, bytes, MADV_HUGEPAGE);
    /* A random cycle through every line for the chase: line i holds the index of the next. */
    uint32_t *cycle = malloc(lines * sizeof *cycle);
    if (!cycle) { fprintf(stderr, "memory-ceiling: cannot allocate the cycle\n"); return 2; }
    for (size_t i = 0; i < lines; i++) cycle[i] = (uint32_t)i;
    uint64_t state = 88172645463325252ull;
    for (size_t i = lines - 1; i > 0; i--) {
        size_t j = next(&state) % (i + 1);
        uint32_t t = cycle[i]; cycle[i] = cycle[j]; cycle[j] = t;
    }
    for (size_t i = 0; i < lines; i++) *(uint32_t *)(buffer + (size_t)cycle[i] * 64) = cycle[(i + 1) % lines];
    free(cycle);
    for (size_t i = 0; i < reads; i++) order[i] = (uint32_t)(next(&state) % lines);

    size_t chases = reads / 10;
    uint32_t at = 0;
    double began = now();
    for (size_t i = 0; i < chases; i++) at = *(volatile uint32_t *)(buffer + (size_t)at * 64);
    double chase = (now() - began) / (double)chases;

    uint64_t sum = 0;
    began = now();
    for (size_t i = 0; i < reads; i++) {
        if (i + 32 < reads) __builtin_prefetch(buffer + (size_t)order[i + 32] * 64);
        sum += *(volatile uint32_t *)(buffer + (size_t)order[i] * 64);
    }
    double independent = (now() - began) / (double)reads;
    printf("buffer %zu MB on huge pages (checksum %llu)\n", bytes >> 20, (unsigned long long)(sum + at));
    printf("one miss at a time (pointer chase): %.1f ns per line\n", chase * 1e9);
    printf("independent random reads (addresses known 32 ahead): %.1f ns per line, %.1f M lines/s\n",
           independent * 1e9, 1e-6 / independent);
    return 0;
}
C
"$compiler" -O2 -o "$work/ceiling" "$work/ceiling.c"
"$work/ceiling" "$megabytes"
