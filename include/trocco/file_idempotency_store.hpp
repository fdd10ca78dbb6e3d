// trocco/file_idempotency_store.hpp - the bundled idempotency store: one small JSON file per key in a state
// directory, written durably, with a lock file that serialises runs of one key across processes. POSIX only.
//
//     auto store = std::make_shared<trocco::file_idempotency_store>("/var/lib/nightly/trocco");
//     trocco::client client{transport, {.api_key = key, .idempotency_store = store}};
//     co_await client.run_and_wait(request, {.idempotency_key = "nightly-2026-12-01"});
//
// Files: `<key>.json` holds the record ({"version":1,"key":…,"kind":"transfer","definition_id":…,
// "trigger_time":"…Z","job_id":…|null}); `<key>.lock` is locked (flock) while a run holds the key. The key is
// written into the file name with every byte outside [A-Za-z0-9._-] as %XX; keys longer than 150 bytes so
// encoded are refused.
//
// open() blocks the calling thread while another run holds the key (that is the serialisation), and performs
// synchronous file I/O: fine for a batch program or the command-line tool; a server on an event loop should put
// its records in its own database behind the idempotency_store interface.
#pragma once

#if !defined(__unix__) && !defined(__APPLE__)
#error "trocco/file_idempotency_store.hpp needs POSIX (open, flock, fsync, rename)"
#endif

#include <memory>
#include <optional>
#include <string>

#include "detail/config.hpp"
#include "idempotency_store.hpp"
#include "result.hpp"
#include "task.hpp"

namespace trocco {

/// The bundled idempotency_store: one JSON file per key in a state directory, written durably, and a lock file
/// that serialises the runs of one key across processes (POSIX; the head of this file has the details).
class file_idempotency_store final : public idempotency_store {
public:
    /// Records go in `state_dir`, created (mode 0700, parents included) on the first open() if missing.
    explicit file_idempotency_store(std::string state_dir) : dir_(std::move(state_dir)) {}

    /// Takes `key`: waits for its lock, then reads its record. Errors: errc::invalid_argument (an empty or too
    /// long key), errc::store_failure (the directory cannot be created or written, the lock cannot be taken, the
    /// record cannot be read or is corrupt: the message names the file). Completes inline.
    task<result<std::unique_ptr<idempotency_session>>> open(std::string key) override {
        co_return open_now(key);
    }

    /// The directory.
    const std::string& directory() const noexcept { return dir_; }

    /// What open() does, synchronously.
    TROCCO_DECL result<std::unique_ptr<idempotency_session>> open_now(const std::string& key) const;

private:
    std::string dir_;
};

/// The default state directory of the command-line tool: $XDG_STATE_HOME/trocco, else $HOME/.local/state/trocco;
/// empty when neither variable is set.
TROCCO_DECL std::string default_state_directory();

}  // namespace trocco

#if defined(TROCCO_HEADER_ONLY)
#include "impl/file_idempotency_store.ipp"
#endif
