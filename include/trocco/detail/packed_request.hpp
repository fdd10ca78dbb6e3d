// trocco/detail/packed_request.hpp - an http_request kept in one string while it waits to be sent again.
//
// The wait machine keeps a trigger (and a page fetch) in case it has to go again, while the transport holds the
// copy in flight. As an http_request that copy is a header vector and about five heap strings (the URL, and the
// Authorization, Accept, User-Agent and Content-Type values are longer than the standard library's small-string
// buffer); packed, it is one allocation. With thousands of waits queued behind a few connections that is a third of
// a waiting job's memory (benchmarks/README.md, part c).
#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include "../http.hpp"

namespace trocco::detail {

class packed_request {
public:
    packed_request() = default;
    explicit packed_request(const http_request& r) {
        std::size_t size = 1 + 3 * sizeof(std::size_t) + r.url.size() + r.body.size();
        for (const auto& h : r.headers) size += 2 * sizeof(std::size_t) + h.name.size() + h.value.size();
        bytes_.reserve(size);
        bytes_.push_back(r.method == http_method::post ? 'P' : 'G');
        put(r.url);
        put(r.body);
        put_size(r.headers.size());
        for (const auto& h : r.headers) {
            put(h.name);
            put(h.value);
        }
    }

    bool empty() const noexcept { return bytes_.empty(); }
    void clear() noexcept { std::string().swap(bytes_); }

    /// The request as it was packed. Precondition: !empty().
    http_request unpack() const {
        http_request r;
        std::size_t at = 1;
        r.method = bytes_[0] == 'P' ? http_method::post : http_method::get;
        r.url = take(at);
        r.body = take(at);
        const std::size_t count = take_size(at);
        r.headers.reserve(count);
        for (std::size_t i = 0; i < count; ++i) {
            std::string name = take(at);
            r.headers.push_back({std::move(name), take(at)});
        }
        return r;
    }

private:
    void put_size(std::size_t n) {
        char raw[sizeof n];
        std::memcpy(raw, &n, sizeof n);
        bytes_.append(raw, sizeof n);
    }
    void put(std::string_view s) {
        put_size(s.size());
        bytes_.append(s.data(), s.size());
    }
    std::size_t take_size(std::size_t& at) const {
        std::size_t n = 0;
        std::memcpy(&n, bytes_.data() + at, sizeof n);
        at += sizeof n;
        return n;
    }
    std::string take(std::size_t& at) const {
        const std::size_t n = take_size(at);
        std::string s(bytes_, at, n);
        at += n;
        return s;
    }

    std::string bytes_;
};

}  // namespace trocco::detail
