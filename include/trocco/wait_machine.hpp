// trocco/wait_machine.hpp - the rules of an operation (start a job, wait for it, read it), as a state machine with
// no I/O: it says what to do next ("send this request", "sleep until t", "ask the rate budget", "record the job
// id", "done with this result") and takes the outcomes, with the time, as inputs. client<Transport> is a short
// driver of it; tests feed it outcomes and times directly.
//
//     trocco::wait_machine m = trocco::wait_machine::trigger_and_wait(context, trocco::job_kind::transfer,
//                                                                     std::move(post), 42, options);
//     m.start(now, wall_now);
//     for (;;) {
//         trocco::wait_step& step = m.next();
//         if (step.what == trocco::wait_step::kind::send) m.on_answer(send(std::move(step.request)), now, wall_now);
//         else if (step.what == trocco::wait_step::kind::sleep) m.on_slept(sleep_until(step.until), now);
//         else if ...
//         else break;  // done: m.take_result()
//     }
//
// It alone decides retries (through retry_policy), polling (through poll_schedule), the confirmation of a
// workflow's `error`, the 404 grace after a trigger, the deadline, what an ambiguous trigger means, and the
// reconciliation of an unknown trigger outcome. Callbacks of wait_options and observers run inside the inputs;
// whatever they throw propagates out of the input call.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "detail/config.hpp"
#include "detail/packed_request.hpp"
#include "events.hpp"
#include "http.hpp"
#include "job.hpp"
#include "job_kind.hpp"
#include "request_builder.hpp"
#include "result.hpp"
#include "retry_policy.hpp"
#include "wait_options.hpp"

namespace trocco {

/// What the machine wants done next.
struct wait_step {
    /// The kinds of step.
    enum class kind : unsigned char {
        send,     ///< send `request` (move it out) and give the outcome to on_answer()
        sleep,    ///< sleep until `until` on the transport's clock and give the outcome to on_slept()
        acquire,  ///< ask the rate budget for a slot for a request of `role`; give the answer to on_budget()
        record,   ///< record `job_id` for the idempotency key; give the outcome to on_recorded()
        done,     ///< finished: take_result()
    };
    kind what = kind::done;  ///< what to do
    request_role role = request_role::poll;  ///< for send and acquire: the request's role
    http_request request;  ///< for send: the request
    std::chrono::steady_clock::time_point until{};  ///< for sleep: until when
    std::int64_t job_id = 0;  ///< for record: the job id
};

/// What a machine borrows from the client that runs it; everything must outlive the machine.
struct wait_context {
    const request_builder* builder = nullptr;  ///< builds every request
    const retry_policy* retry = nullptr;  ///< how failed requests are retried
    /// Uniform numbers in [0, 1) for jitter: `random(random_state)`.
    double (*random)(void*) = nullptr;
    void* random_state = nullptr;  ///< the argument of `random`
    const event_observer* observer = nullptr;  ///< the client's, or nullptr
    bool budgeted = false;  ///< ask the rate budget before each send
    bool recording = false;  ///< record the job id once known (an idempotency key is in use)
};

/// The rules of one client operation, without I/O: the client asks next_step(), does what it says (send,
/// sleep, acquire, record) and hands the outcome back (on_answer(), on_slept(), ...), until the step is `done`.
class wait_machine {
public:
    using clock = std::chrono::steady_clock;  ///< the transport's clock
    using wall_clock = std::chrono::system_clock;  ///< the wall clock, for HTTP dates and X-Rate-Limit-Reset

    /// Starts a job with `trigger` (a built POST) and ends with the job as trocco answered it (run_job).
    TROCCO_DECL static wait_machine trigger_only(wait_context context, job_kind kind, http_request trigger,
                                                 std::int64_t definition_id, std::stop_token stop);
    /// Starts a job and waits until it finishes (run_and_wait).
    TROCCO_DECL static wait_machine trigger_and_wait(wait_context context, job_kind kind, http_request trigger,
                                                     std::int64_t definition_id, wait_options options);
    /// Waits for a job started earlier: polls at once, then on the schedule (wait_job). `recorded`: the job was
    /// found in an idempotency record (events::trigger_outcome `attached` is reported).
    TROCCO_DECL static wait_machine attach(wait_context context, job_kind kind, std::int64_t job_id,
                                           wait_options options, std::int64_t definition_id = 0,
                                           bool recorded = false);
    /// An idempotency record holds a trigger without a job id: the trigger's outcome is unknown. Reconciles from
    /// `trigger_time` (as wait_options::reconcile does), then waits for the job found.
    TROCCO_DECL static wait_machine reconcile_and_wait(wait_context context, job_kind kind, std::int64_t definition_id,
                                                       wall_clock::time_point trigger_time, wait_options options);
    /// Reads a job once, with retries (get_job).
    TROCCO_DECL static wait_machine read_once(wait_context context, job_kind kind, std::int64_t job_id,
                                              std::stop_token stop);
    /// Sends `request` (a read: a page of a list) until an answer worth returning, with retries: done with the 2xx
    /// answer in take_response(), or with the error. The caller parses the answer; if it cannot, reject() tells the
    /// machine, which retries it as any unreadable read answer.
    TROCCO_DECL static wait_machine fetch(wait_context context, http_request request, std::stop_token stop);
    /// A machine that is done at once with `e` (a request that could not be built).
    TROCCO_DECL static wait_machine failed(wait_context context, error e);

    // Moves and destruction are out of line (compiled once in the separately compiled mode): the machine is large.
    /// Takes over `other`'s operation; `other` is left only to be destroyed or assigned to.
    TROCCO_DECL wait_machine(wait_machine&& other) noexcept;
    /// Takes over `other`'s operation; `other` is left only to be destroyed or assigned to.
    TROCCO_DECL wait_machine& operator=(wait_machine&& other) noexcept;
    /// Ends the machine; nothing is sent or cancelled (the machine does no I/O of its own).
    TROCCO_DECL ~wait_machine();

    /// Begins: the options are checked, the deadline set from `now`. Call once, before next().
    TROCCO_DECL void start(clock::time_point now, wall_clock::time_point wall_now);

    /// The step to carry out now. The reference stays valid until the next input.
    wait_step& next() noexcept { return step_; }

    /// The outcome of a `send` step.
    TROCCO_DECL void on_answer(result<http_response> outcome, clock::time_point now, wall_clock::time_point wall_now);
    /// The outcome of a `sleep` step (an error means the sleep was canceled).
    TROCCO_DECL void on_slept(result<void> outcome, clock::time_point now);
    /// The rate budget's answer to an `acquire` step: the time from which the request may go (<= now: at once).
    TROCCO_DECL void on_budget(clock::time_point allowed_at, clock::time_point now);
    /// The outcome of a `record` step. A failure does not stop the wait (the job is running): an error result then
    /// says that the record lacks the job id, and a rerun with the key reconciles instead of re-attaching.
    TROCCO_DECL void on_recorded(result<void> outcome, clock::time_point now);

    /// The result once next() is `done`: the job (succeeded, or as triggered/read), or the error. Call once.
    TROCCO_DECL result<any_job> take_result();
    /// A fetch machine's result once next() is `done`: the 2xx answer, or the error. Call once.
    TROCCO_DECL result<http_response> take_response();
    /// A fetch machine's answer could not be read (`e`, a protocol_error): true when it will be sent again (next()
    /// is no longer `done`), false when the retries are spent (take_response() then gives `e`).
    TROCCO_DECL bool reject(error e, clock::time_point now, wall_clock::time_point wall_now);

    /// The stop token of the operation, for the transport calls.
    const std::stop_token& stop_token() const noexcept { return options_.stop_token; }
    /// The job's id once known, else 0.
    std::int64_t job_id() const noexcept { return job_id_; }
    /// The definition id of a triggered or reconciled job (0 otherwise).
    std::int64_t definition_id() const noexcept { return definition_id_; }
    /// When the trigger was sent (wall clock), once it was.
    std::optional<wall_clock::time_point> trigger_time() const noexcept { return trigger_wall_; }

private:
    enum class mode : unsigned char { trigger_only, trigger_and_wait, attach, reconcile, read_once, fetch, failed };

    TROCCO_DECL wait_machine(wait_context context, mode m, job_kind kind, wait_options options);

    // Sending.
    TROCCO_DECL void send(request_role role, clock::time_point now);
    TROCCO_DECL result<http_request> build(request_role role) const;
    TROCCO_DECL bool retry_later(request_kind kind, const result<http_response>& outcome, clock::time_point now,
                                 wall_clock::time_point wall_now);
    TROCCO_DECL void sleep_until(clock::time_point until, request_role then, clock::time_point now);

    // Answers, by role.
    TROCCO_DECL void on_trigger_answer(result<http_response> outcome, clock::time_point now,
                                       wall_clock::time_point wall_now);
    TROCCO_DECL void on_status_answer(result<http_response> outcome, clock::time_point now,
                                      wall_clock::time_point wall_now);
    TROCCO_DECL void on_list_answer(result<http_response> outcome, clock::time_point now,
                                    wall_clock::time_point wall_now);
    TROCCO_DECL void on_fetch_answer(result<http_response> outcome, clock::time_point now,
                                     wall_clock::time_point wall_now);

    // The job.
    TROCCO_DECL void job_known(any_job job, events::trigger_outcome::kind how, clock::time_point now);
    TROCCO_DECL void seen(any_job job, clock::time_point now);
    TROCCO_DECL void schedule_poll(std::chrono::milliseconds delay, bool confirming, clock::time_point now);
    TROCCO_DECL std::chrono::milliseconds next_poll_delay(clock::time_point now);
    TROCCO_DECL void begin_reconcile(clock::time_point now);
    TROCCO_DECL void end_reconcile_round(clock::time_point now);

    // Ending.
    TROCCO_DECL void finish(result<any_job> r, clock::time_point now);
    /// Done with a success: the result is the job in seen_ (until take_result() moves it out).
    bool succeeded() const noexcept { return step_.what == wait_step::kind::done && !failure_; }
    TROCCO_DECL void fail_canceled(const error* transport_error, clock::time_point now);
    TROCCO_DECL void fail_timeout(clock::time_point now);
    TROCCO_DECL error with_context(error e) const;
    TROCCO_DECL std::string what() const;

    TROCCO_DECL void emit(const wait_event& e) const;
    TROCCO_DECL double random() const;

    wait_context context_;
    wait_options options_;
    mode mode_;
    job_kind kind_;
    request_role pending_ = request_role::poll;  // the request a sleep or a budget grant leads to
    bool granted_ = false;                       // a budget slot is held for the next send
    bool record_pending_ = false;                // the known job waits for its record step
    bool record_failed_ = false;                 // recording the job id failed: the final error says so
    bool announce_attach_ = false;               // attached from an idempotency record: reported at start
    events::trigger_outcome::kind pending_how_ = events::trigger_outcome::kind::started;
    std::int64_t definition_id_ = 0;
    std::int64_t job_id_ = 0;
    int attempt_ = 0;       // sends of the current request
    int polls_ = 0;         // status reads sent
    int poll_index_ = 0;    // position in the poll schedule
    int confirmations_ = 0;
    int reconcile_round_ = 0;
    int pages_ = 0;         // pages of the current reconciliation round
    clock::time_point started_at_{};
    clock::time_point deadline_{};
    clock::time_point sent_at_{};
    std::optional<clock::time_point> grace_until_;
    std::optional<clock::time_point> origin_;  // when the job started, as far as known: the poll schedule's elapsed
    wall_clock::time_point last_wall_{};       // the wall clock at the last answer
    std::optional<wall_clock::time_point> trigger_wall_;
    detail::packed_request request_;  // a trigger or fetch, kept (packed: one allocation) while it may go again
    std::optional<any_job> seen_;
    std::optional<error> failure_;  // the result once done, if a failure; a success is the job in seen_
    // What only reconciliation and fetches use, allocated when first needed (most waits never do: a waiting job
    // costs less memory). Reconciliation: why the trigger's outcome is unknown, for its messages; the first
    // candidate found is kept in seen_, every candidate's id here; the cursors of this round, to refuse one that
    // repeats. A fetch: the answer, until take_response().
    struct rare_state {
        std::string unknown_reason;
        std::vector<std::int64_t> candidate_ids;
        std::vector<std::string> cursors;
        std::optional<http_response> fetched;
    };
    std::unique_ptr<rare_state> rare_;
    rare_state& rare() {
        if (!rare_) rare_ = std::make_unique<rare_state>();
        return *rare_;
    }
    wait_step step_;
};

}  // namespace trocco

#if defined(TROCCO_HEADER_ONLY)
#include "impl/wait_machine.ipp"
#endif
