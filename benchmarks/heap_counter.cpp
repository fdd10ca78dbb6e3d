// See heap_counter.hpp.
#include "heap_counter.hpp"

#include <malloc.h>

#include <cstdlib>
#include <new>

namespace trocco_bench::heap {

std::atomic<long> live{0};
std::atomic<long> peak{0};

namespace {

void add(void* p) noexcept {
    const long size = static_cast<long>(malloc_usable_size(p));
    const long now = live.fetch_add(size, std::memory_order_relaxed) + size;
    long old = peak.load(std::memory_order_relaxed);
    while (now > old && !peak.compare_exchange_weak(old, now, std::memory_order_relaxed)) {
    }
}

void remove(void* p) noexcept {
    if (p) live.fetch_sub(static_cast<long>(malloc_usable_size(p)), std::memory_order_relaxed);
}

}  // namespace

}  // namespace trocco_bench::heap

void* operator new(std::size_t n) {
    void* p = std::malloc(n == 0 ? 1 : n);
    if (!p) throw std::bad_alloc();
    trocco_bench::heap::add(p);
    return p;
}

void* operator new[](std::size_t n) { return ::operator new(n); }

void operator delete(void* p) noexcept {
    trocco_bench::heap::remove(p);
    std::free(p);
}

void operator delete[](void* p) noexcept { ::operator delete(p); }
void operator delete(void* p, std::size_t) noexcept { ::operator delete(p); }
void operator delete[](void* p, std::size_t) noexcept { ::operator delete(p); }
