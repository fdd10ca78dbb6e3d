// tests/support/temp_files.hpp - a temporary file with given contents (a CA file) and a temporary directory (a
// state directory), each under $TMPDIR or /tmp and removed on destruction.
#pragma once

#include <stdlib.h>  // mkstemp, mkdtemp
#include <unistd.h>  // write, close

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace test_support {

inline std::string temp_pattern(std::string_view stem) {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/" + std::string(stem) + "-XXXXXX";
}

/// A temporary file with the given contents (in $TMPDIR or /tmp), removed on destruction: a CA file.
class temp_file {
public:
    explicit temp_file(std::string_view contents) {
        std::string pattern = temp_pattern("trocco-test");
        const int fd = ::mkstemp(pattern.data());
        if (fd < 0) throw std::runtime_error("mkstemp failed");
        path_ = pattern;
        std::size_t written = 0;
        while (written < contents.size()) {
            const auto n = ::write(fd, contents.data() + written, contents.size() - written);
            if (n <= 0) break;
            written += static_cast<std::size_t>(n);
        }
        ::close(fd);
        if (written != contents.size()) throw std::runtime_error("cannot write " + path_);
    }
    ~temp_file() { std::remove(path_.c_str()); }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;

    const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
};

/// A fresh directory, removed with its contents on destruction.
class temp_directory {
public:
    temp_directory() {
        std::string pattern = temp_pattern("trocco-test-dir");
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~temp_directory() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    temp_directory(const temp_directory&) = delete;
    temp_directory& operator=(const temp_directory&) = delete;

    const std::string& path() const noexcept { return path_; }
    /// The path of `name` inside the directory.
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

}  // namespace test_support
