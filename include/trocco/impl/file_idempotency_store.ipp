// trocco/impl/file_idempotency_store.ipp - the bodies of file_idempotency_store (header-only mode: included by
// file_idempotency_store.hpp; separately compiled: by src/trocco.cpp).
#pragma once

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <chrono>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "../file_idempotency_store.hpp"
#include "../timestamp.hpp"

namespace trocco {

namespace detail {

inline error store_error(const std::string& what, int err) {
    return error{errc::store_failure, what + ": " + std::strerror(err)};
}

/// `key` as a file name: [A-Za-z0-9._-] kept (a leading '.' encoded, so no name is hidden or "." / ".."), every
/// other byte %XX.
inline std::string key_file_name(std::string_view key) {
    constexpr char hex[] = "0123456789ABCDEF";
    std::string name;
    for (std::size_t i = 0; i < key.size(); ++i) {
        const auto b = static_cast<unsigned char>(key[i]);
        const bool plain = (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '_' ||
                           b == '-' || (b == '.' && i > 0);
        if (plain) {
            name.push_back(static_cast<char>(b));
        } else {
            name.push_back('%');
            name.push_back(hex[b >> 4]);
            name.push_back(hex[b & 0xF]);
        }
    }
    return name;
}

/// mkdir -p with mode 0700 for what it creates.
inline result<void> make_directories(const std::string& dir) {
    if (dir.empty()) return error{errc::store_failure, "the idempotency state directory is not set"};
    for (std::size_t pos = 1; pos <= dir.size(); ++pos) {
        if (pos != dir.size() && dir[pos] != '/') continue;
        const std::string part = dir.substr(0, pos);
        if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) {
            return store_error("cannot create the state directory " + part, errno);
        }
    }
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) return store_error("cannot use the state directory " + dir, errno);
    if (!S_ISDIR(st.st_mode)) return error{errc::store_failure, "the state directory " + dir + " is not a directory"};
    return {};
}

inline result<std::string> read_file(const std::string& path, bool& exists) {
    exists = false;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return std::string{};
        return store_error("cannot read the idempotency record " + path, errno);
    }
    exists = true;
    std::string text;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int err = errno;
            ::close(fd);
            return store_error("cannot read the idempotency record " + path, err);
        }
        if (n == 0) break;
        text.append(buffer, static_cast<std::size_t>(n));
        if (text.size() > 64 * 1024) {
            ::close(fd);
            return error{errc::store_failure, "the idempotency record " + path + " is corrupt (too large)"};
        }
    }
    ::close(fd);
    return text;
}

inline result<void> write_all(int fd, std::string_view text, const std::string& path) {
    while (!text.empty()) {
        const ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return store_error("cannot write " + path, errno);
        text.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

inline std::string_view kind_name(job_kind kind) { return info(kind).cli_noun; }

inline std::optional<job_kind> kind_from_name(std::string_view name) {
    for (const auto kind : {job_kind::transfer, job_kind::workflow, job_kind::datamart}) {
        if (info(kind).cli_noun == name) return kind;
    }
    return std::nullopt;
}

inline result<idempotency_record> parse_record(const std::string& text, const std::string& key,
                                               const std::string& path) {
    const auto corrupt = [&](std::string_view why) {
        return error{errc::store_failure, "the idempotency record " + path + " is corrupt (" + std::string(why) +
                                              "): check trocco for the job, then remove the file"};
    };
    const auto json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded() || !json.is_object()) return corrupt("not a JSON object");
    idempotency_record r;
    const auto version = json.find("version");
    if (version == json.end() || !version->is_number_integer() || version->get<int>() != 1) {
        return corrupt("unknown version");
    }
    const auto k = json.find("key");
    if (k == json.end() || !k->is_string() || k->get<std::string>() != key) return corrupt("its key differs");
    r.key = key;
    const auto kind = json.find("kind");
    const auto parsed_kind = kind != json.end() && kind->is_string() ? kind_from_name(kind->get<std::string>())
                                                                      : std::nullopt;
    if (!parsed_kind) return corrupt("no valid kind");
    r.kind = *parsed_kind;
    const auto definition = json.find("definition_id");
    if (definition == json.end() || !definition->is_number_integer() || definition->get<std::int64_t>() <= 0) {
        return corrupt("no valid definition_id");
    }
    r.definition_id = definition->get<std::int64_t>();
    const auto when = json.find("trigger_time");
    const auto instant = when != json.end() && when->is_string() ? parse_rfc3339(when->get<std::string>())
                                                                 : std::nullopt;
    if (!instant) return corrupt("no valid trigger_time");
    r.trigger_time = std::chrono::time_point_cast<std::chrono::system_clock::duration>(*instant);
    const auto job = json.find("job_id");
    if (job == json.end() || job->is_null()) {
        r.job_id = 0;
    } else if (job->is_number_integer() && job->get<std::int64_t>() > 0) {
        r.job_id = job->get<std::int64_t>();
    } else {
        return corrupt("job_id is neither null nor a positive integer");
    }
    return r;
}

inline std::string record_text(const idempotency_record& r) {
    nlohmann::json j;
    j["version"] = 1;
    j["key"] = r.key;
    j["kind"] = std::string(kind_name(r.kind));
    j["definition_id"] = r.definition_id;
    j["trigger_time"] = format_rfc3339(std::chrono::time_point_cast<std::chrono::milliseconds>(r.trigger_time));
    if (r.job_id > 0) {
        j["job_id"] = r.job_id;
    } else {
        j["job_id"] = nullptr;
    }
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

class file_idempotency_session final : public idempotency_session {
public:
    file_idempotency_session(int lock_fd, std::string dir, std::string path, std::optional<idempotency_record> r)
        : lock_fd_(lock_fd), dir_(std::move(dir)), path_(std::move(path)), record_(std::move(r)) {}
    ~file_idempotency_session() override { ::close(lock_fd_); }  // releases the flock
    file_idempotency_session(const file_idempotency_session&) = delete;
    file_idempotency_session& operator=(const file_idempotency_session&) = delete;

    const std::optional<idempotency_record>& record() const noexcept override { return record_; }

    task<result<void>> save(idempotency_record r) override { co_return save_now(r); }

private:
    result<void> save_now(const idempotency_record& r) {
        // Write a temporary file, fsync it, rename it over the record, fsync the directory: after a crash the
        // record is either the old one or the new one, never a torn one.
        const std::string temporary = path_ + ".tmp." + std::to_string(::getpid());
        const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) return store_error("cannot write the idempotency record " + temporary, errno);
        auto written = write_all(fd, record_text(r), temporary);
        if (written && ::fsync(fd) != 0) written = store_error("cannot fsync " + temporary, errno);
        ::close(fd);
        if (written && ::rename(temporary.c_str(), path_.c_str()) != 0) {
            written = store_error("cannot rename " + temporary + " to " + path_, errno);
        }
        if (!written) {
            ::unlink(temporary.c_str());
            return written;
        }
        const int dir_fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0) return store_error("cannot open the state directory " + dir_ + " to fsync it", errno);
        const bool synced = ::fsync(dir_fd) == 0;
        const int err = errno;
        ::close(dir_fd);
        if (!synced) return store_error("cannot fsync the state directory " + dir_, err);
        record_ = r;
        return {};
    }

    int lock_fd_;
    std::string dir_;
    std::string path_;
    std::optional<idempotency_record> record_;
};

}  // namespace detail

TROCCO_DECL result<std::unique_ptr<idempotency_session>> file_idempotency_store::open_now(const std::string& key) const {
    if (key.empty()) return error{errc::invalid_argument, "the idempotency key must not be empty"};
    const std::string name = detail::key_file_name(key);
    if (name.size() > 150) {
        return error{errc::invalid_argument, "the idempotency key is too long (at most 150 bytes once encoded)"};
    }
    if (auto made = detail::make_directories(dir_); !made) return std::move(made).error();
    const std::string base = dir_ + (dir_.back() == '/' ? "" : "/") + name;
    const std::string lock_path = base + ".lock";
    const int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock_fd < 0) return detail::store_error("cannot create the lock file " + lock_path, errno);
    int locked = 0;
    while ((locked = ::flock(lock_fd, LOCK_EX)) != 0 && errno == EINTR) {
    }
    if (locked != 0) {
        const int err = errno;
        ::close(lock_fd);
        return detail::store_error("cannot lock " + lock_path, err);
    }
    const std::string path = base + ".json";
    bool exists = false;
    auto text = detail::read_file(path, exists);
    if (!text) {
        ::close(lock_fd);
        return std::move(text).error();
    }
    std::optional<idempotency_record> record;
    if (exists) {
        auto parsed = detail::parse_record(*text, key, path);
        if (!parsed) {
            ::close(lock_fd);
            return std::move(parsed).error();
        }
        record = std::move(*parsed);
    }
    return std::unique_ptr<idempotency_session>(
        std::make_unique<detail::file_idempotency_session>(lock_fd, dir_, path, std::move(record)));
}

TROCCO_DECL std::string default_state_directory() {
    if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg == '/') return std::string(xdg) + "/trocco";
    if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.local/state/trocco";
    return {};
}

}  // namespace trocco
