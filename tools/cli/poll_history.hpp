// tools/cli/poll_history.hpp - history-informed polling for `job run --wait` and `job wait` without
// --poll-interval: the run times (finished_at - created_at) of a transfer definition's recent succeeded jobs feed
// trocco::poll_schedule::from_history. They are read from trocco's job history (the last 30 days, at most 20
// jobs) and cached per definition in the state directory, as `poll-history-<definition_id>.json`:
//
//     {"version":1,"definition_id":42,"fetched_at":"2026-12-01T09:00:00.000Z","durations_ms":[61000,...]}
//
// A cache older than a day is refreshed; a broken one is ignored and rewritten. Nothing here may fail a run: a
// failed history read or an unwritable cache falls back to the library's default schedule with a note.
// The parsing and choosing are pure; read_cache / write_cache are the only file I/O.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <trocco/context_time.hpp>
#include <trocco/job.hpp>
#include <trocco/timestamp.hpp>

namespace trocco::cli {

/// How far back the history is read, how many durations are kept, how long a cache is trusted.
inline constexpr std::chrono::hours history_window{24 * 30};
inline constexpr std::size_t history_jobs = 20;
inline constexpr std::chrono::hours history_cache_lifetime{24};
/// At most this many pages of history are read for one plan (bounded calls whatever the history holds).
inline constexpr int history_pages = 3;

/// The durations of a definition's recent runs, and when they were read.
struct run_history {
    std::int64_t definition_id = 0;
    timestamp fetched_at{};
    std::vector<std::chrono::milliseconds> durations;

    friend bool operator==(const run_history&, const run_history&) = default;
};

/// The cache file of a definition in `state_dir`.
inline std::string history_cache_path(const std::string& state_dir, std::int64_t definition_id) {
    return state_dir + "/poll-history-" + std::to_string(definition_id) + ".json";
}

inline std::string to_cache_text(const run_history& h) {
    nlohmann::ordered_json o;
    o["version"] = 1;
    o["definition_id"] = h.definition_id;
    o["fetched_at"] = format_rfc3339(h.fetched_at);
    auto durations = nlohmann::ordered_json::array();
    for (const auto d : h.durations) durations.push_back(d.count());
    o["durations_ms"] = std::move(durations);
    return o.dump() + "\n";
}

/// The cache's history, or nullopt when the text is not a valid cache of `definition_id` (malformed JSON, wrong
/// version, wrong types, negative or absurd durations).
inline std::optional<run_history> parse_cache_text(const std::string& text, std::int64_t definition_id) {
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    const auto version = j.find("version");
    const auto id = j.find("definition_id");
    const auto fetched = j.find("fetched_at");
    const auto durations = j.find("durations_ms");
    if (version == j.end() || !version->is_number_integer() || *version != 1) return std::nullopt;
    if (id == j.end() || !id->is_number_integer() || id->get<std::int64_t>() != definition_id) return std::nullopt;
    if (fetched == j.end() || !fetched->is_string()) return std::nullopt;
    const auto at = parse_rfc3339(fetched->get<std::string>());
    if (!at || durations == j.end() || !durations->is_array() || durations->size() > history_jobs) return std::nullopt;
    run_history h{definition_id, *at, {}};
    for (const auto& d : *durations) {
        // At most a year: anything longer is not a run time but a corrupt file.
        if (!d.is_number_integer() || d.get<std::int64_t>() <= 0 || d.get<std::int64_t>() > 366LL * 86'400'000) {
            return std::nullopt;
        }
        h.durations.emplace_back(d.get<std::int64_t>());
    }
    return h;
}

/// Whether a cache read at `fetched_at` is still good at `now` (not older than a day, not from the future).
inline bool is_fresh(const run_history& h, timestamp now) {
    return h.fetched_at <= now && now - h.fetched_at < history_cache_lifetime;
}

/// The durations of succeeded jobs with both times, created within the window before `now`, at most
/// history_jobs of them (the most recently created first).
inline std::vector<std::chrono::milliseconds> durations_of(std::vector<trocco::job> jobs, timestamp now) {
    std::vector<std::chrono::milliseconds> out;
    std::sort(jobs.begin(), jobs.end(), [](const trocco::job& a, const trocco::job& b) {
        return a.created_at.value_or(timestamp{}) > b.created_at.value_or(timestamp{});
    });
    for (const auto& j : jobs) {
        if (out.size() == history_jobs) break;
        if (j.status != job_status::succeeded || !j.created_at || !j.finished_at) continue;
        if (*j.created_at > now || now - *j.created_at > history_window || *j.finished_at <= *j.created_at) continue;
        out.push_back(*j.finished_at - *j.created_at);
    }
    return out;
}

/// "YYYY-MM-DD HH:MM:SS" in UTC, `window` before `now`: the job history's start_time (with time_zone Etc/UTC).
inline std::string history_start_time(timestamp now) {
    return format_context_time(std::chrono::floor<std::chrono::seconds>(now - history_window), std::chrono::minutes{0});
}

/// The cache of `definition_id`, if it can be read and is valid (fresh or not: the caller decides).
inline std::optional<run_history> read_cache(const std::string& state_dir, std::int64_t definition_id) {
    std::ifstream in(history_cache_path(state_dir, definition_id), std::ios::binary);
    if (!in) return std::nullopt;
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.size() > 64 * 1024) return std::nullopt;
    return parse_cache_text(text, definition_id);
}

/// Writes the cache (to a temporary file, then renamed over the old one, so that a reader never sees half a
/// file). False when it cannot be written; the directory is created (mode 0700) when missing.
inline bool write_cache(const std::string& state_dir, const run_history& h) {
    std::string partial;
    for (std::size_t i = 1; i <= state_dir.size(); ++i) {  // mkdir -p, one component at a time
        if (i == state_dir.size() || state_dir[i] == '/') {
            partial = state_dir.substr(0, i);
            ::mkdir(partial.c_str(), 0700);
        }
    }
    const std::string path = history_cache_path(state_dir, h.definition_id);
    const std::string temporary = path + ".tmp." + std::to_string(::getpid());
    const std::string text = to_cache_text(h);
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    const bool closed = ::close(fd) == 0;
    if (!written || !closed || std::rename(temporary.c_str(), path.c_str()) != 0) {
        ::unlink(temporary.c_str());
        return false;
    }
    return true;
}

}  // namespace trocco::cli
