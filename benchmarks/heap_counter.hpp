// heap_counter.hpp - live heap accounting for bench_memory: heap_counter.cpp replaces the global operator new
// and delete (in a translation unit of its own, so that no call site inlines them) and keeps these counters,
// in bytes as malloc_usable_size reports them.
#pragma once

#include <atomic>

namespace trocco_bench::heap {

/// Bytes allocated by operator new and not yet freed.
extern std::atomic<long> live;
/// The highest `live` since it was last set (set it to `live` to start a new measurement).
extern std::atomic<long> peak;

}  // namespace trocco_bench::heap
