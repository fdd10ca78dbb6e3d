// trocco/list_sequence.hpp - a cursor-paged list as an asynchronous sequence: the job history of a transfer
// definition, or a definition list. Pages are fetched one at a time, only as the caller consumes them, so memory
// stays bounded (one page) whatever the list's length.
//
//     auto history = trocco::job_history(client, 42, {.start_time = "2026-11-01 00:00:00", .time_zone = "Etc/UTC"});
//     for (;;) {
//         auto next = co_await history.next();        // result<std::optional<trocco::job>>
//         if (!next) { report(next.error()); break; }  // a page failed after its retries
//         if (!*next) break;                           // the end
//         use(**next);
//     }
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include "client.hpp"
#include "definitions.hpp"
#include "job.hpp"
#include "requests.hpp"
#include "result.hpp"
#include "task.hpp"

namespace trocco {

/// The pages of one list, fetched through `Client` (a trocco::client<Transport>).
///
/// Each page's request is retried like any read (retry_policy), and goes through the client's rate budget. The
/// sequence ends at a page whose next_cursor is null, empty or missing. A cursor that comes back (a broken list
/// that would loop forever) is errc::protocol_error; it is caught with constant memory (Brent's cycle detection),
/// so items of a looping list may be repeated before the error, never endlessly.
///
/// Lifetimes: the client must outlive the sequence and every task it returned. Not thread-safe: one next() at a
/// time. Tasks resume where the client's transport resumes them. Cancellation: the stop token given at creation
/// ends a fetch in flight with errc::canceled.
template <class Client, class Item>
class list_sequence {
public:
    /// Reads the page at `cursor` (empty: the first page).
    using fetch_function = std::function<task<result<list_page<Item>>>(Client&, std::string cursor, std::stop_token)>;

    /// A sequence over the pages `fetch` reads through `client`; nothing is read until next().
    list_sequence(Client& client, fetch_function fetch, std::stop_token stop = {})
        : client_(&client), fetch_(std::move(fetch)), stop_(std::move(stop)) {}

    /// The next page's items, fetched now; nullopt once the list is done. Errors: those of a read (after
    /// retries), errc::protocol_error for a malformed page or a repeating cursor. After an error the sequence is
    /// done.
    task<result<std::optional<std::vector<Item>>>> next_page() {
        if (done_) co_return std::optional<std::vector<Item>>{};
        auto page = co_await fetch_(*client_, cursor_, stop_);
        if (!page) {
            done_ = true;
            co_return std::move(page).error();
        }
        if (auto loop = advance(std::move(page->next_cursor)); !loop) {
            done_ = true;
            co_return std::move(loop).error();
        }
        ++pages_;
        co_return std::optional<std::vector<Item>>(std::move(page->items));
    }

    /// The next item, fetching a page when the current one is used up; nullopt at the end. Errors as next_page().
    task<result<std::optional<Item>>> next() {
        while (index_ >= buffer_.size()) {
            auto page = co_await next_page();
            if (!page) co_return std::move(page).error();
            if (!*page) co_return std::optional<Item>{};
            buffer_ = std::move(**page);
            index_ = 0;
        }
        co_return std::optional<Item>(std::move(buffer_[index_++]));
    }

    /// Pages fetched so far.
    std::size_t pages() const noexcept { return pages_; }

private:
    /// Moves to `next` (empty: the end), refusing a cursor seen before in this list.
    result<void> advance(std::optional<std::string> next) {
        if (!next || next->empty()) {
            done_ = true;
            return {};
        }
        // Brent: compare every cursor with a checkpoint moved to the latest cursor at steps 1, 2, 4, 8, ...; a
        // cursor chain that loops meets its checkpoint again within twice the loop's length.
        if (*next == cursor_ || (checkpoint_ && *next == *checkpoint_)) {
            return error{errc::protocol_error, "the list returned a cursor it had returned before (it would loop "
                                               "forever); stopped after " + std::to_string(pages_ + 1) + " pages"};
        }
        if (++steps_ == power_) {
            checkpoint_ = *next;
            power_ *= 2;
            steps_ = 0;
        }
        cursor_ = std::move(*next);
        return {};
    }

    Client* client_;
    fetch_function fetch_;
    std::stop_token stop_;
    std::string cursor_;
    std::optional<std::string> checkpoint_;
    std::size_t power_ = 1;
    std::size_t steps_ = 0;
    std::size_t pages_ = 0;
    bool done_ = false;
    std::vector<Item> buffer_;
    std::size_t index_ = 0;
};

/// The transfer jobs of `job_definition_id` (GET /api/job_definitions/{id}/jobs), as trocco orders them.
template <class Transport>
list_sequence<client<Transport>, job> job_history(client<Transport>& c, std::int64_t job_definition_id,
                                                  job_history_query query = {}, std::stop_token stop = {}) {
    return {c,
            [job_definition_id, query](client<Transport>& cl, std::string cursor, std::stop_token st) {
                return cl.job_history_page(job_definition_id, query, std::move(cursor), std::move(st));
            },
            std::move(stop)};
}

/// The definitions of `kind` (transfer: /api/job_definitions, workflow: /api/pipeline_definitions, datamart:
/// /api/datamart_definitions).
template <class Transport>
list_sequence<client<Transport>, definition_summary> definitions(client<Transport>& c, job_kind kind,
                                                                 definition_query query = {},
                                                                 std::stop_token stop = {}) {
    return {c,
            [kind, query](client<Transport>& cl, std::string cursor, std::stop_token st) {
                return cl.definitions_page(kind, query, std::move(cursor), std::move(st));
            },
            std::move(stop)};
}

}  // namespace trocco
