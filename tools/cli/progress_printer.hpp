// tools/cli/progress_printer.hpp - writes a wait's progress (progress.hpp) to stderr while it runs, and the new
// job's id to stdout as soon as the trigger was answered. Events arrive on the transport's thread; in live style a
// thread of the printer redraws the live line about once a second so that its clock advances between events.
// Every write is whole lines (or one whole redraw) under one mutex, flushed at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>

#include <sys/ioctl.h>
#include <unistd.h>

#include <trocco/events.hpp>

#include "command_line.hpp"
#include "progress.hpp"

namespace trocco::cli {

class progress_printer {
public:
    /// `style`: resolved by resolve_progress(); `print_id`: write the id of a started job on `out` (not with
    /// --json, where stdout carries only the final JSON).
    progress_printer(progress_style style, bool print_id, std::FILE* out, std::FILE* err)
        : style_(style), print_id_(print_id), out_(out), err_(err) {}

    ~progress_printer() { finish(); }

    progress_printer(const progress_printer&) = delete;
    progress_printer& operator=(const progress_printer&) = delete;

    /// Starts showing a wait (before its first event).
    void begin(job_kind kind, std::int64_t definition_id, std::int64_t job_id = 0) {
        std::lock_guard lock(mutex_);
        view_.emplace(kind, definition_id, std::chrono::steady_clock::now(), job_id);
        struct winsize size {};
        if (::ioctl(::fileno(err_), TIOCGWINSZ, &size) == 0) columns_ = size.ws_col;
        if (style_ == progress_style::live && !ticker_.joinable()) {
            ticker_ = std::thread([this] { tick(); });
        }
    }

    /// One event of the wait (the observer of wait_options).
    void on_event(const wait_event& event) {
        std::lock_guard lock(mutex_);
        if (!view_) return;
        const auto* trigger = std::get_if<events::trigger_outcome>(&event);
        if (print_id_ && trigger && trigger->job_id != 0) {
            // stdout may be the same terminal: the id goes on a line of its own, not into the live line.
            if (drawn_) write(err_, std::string(live_clear));
            write(out_, std::to_string(trigger->job_id) + "\n");
        }
        const auto lines = view_->on_event(event);
        if (style_ == progress_style::none) return;
        const auto wall = std::chrono::system_clock::now();
        std::string text;
        if (style_ == progress_style::plain) {
            for (const auto& line : lines) text += plain_line(wall, line);
        } else {
            const std::string live = fit_to_width(view_->live_line(std::chrono::steady_clock::now()), columns_);
            if (lines.empty()) {
                text = live_redraw(live);
            } else {
                for (const auto& line : lines) text += live_permanent(line, live);
            }
            drawn_ = true;
        }
        if (!text.empty()) write(err_, text);
    }

    /// Stops the redraws and erases the live line (before the final report is printed).
    void finish() {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return;
            stopping_ = true;
        }
        wake_.notify_all();
        if (ticker_.joinable()) ticker_.join();
        std::lock_guard lock(mutex_);
        if (drawn_) write(err_, std::string(live_clear));
        drawn_ = false;
    }

private:
    void tick() {
        std::unique_lock lock(mutex_);
        while (!stopping_) {
            wake_.wait_for(lock, std::chrono::seconds{1});
            if (stopping_ || !view_) break;
            write(err_, live_redraw(fit_to_width(view_->live_line(std::chrono::steady_clock::now()), columns_)));
            drawn_ = true;
        }
    }

    static void write(std::FILE* stream, const std::string& text) {
        std::fwrite(text.data(), 1, text.size(), stream);
        std::fflush(stream);
    }

    progress_style style_;
    bool print_id_;
    std::FILE* out_;
    std::FILE* err_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::optional<progress_view> view_;
    std::size_t columns_ = 0;  // the terminal's width, 0 when unknown (not a terminal)
    bool stopping_ = false;
    bool drawn_ = false;
    std::thread ticker_;
};

}  // namespace trocco::cli
