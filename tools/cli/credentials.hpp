// tools/cli/credentials.hpp - where the API key and the base URL come from: --api-key-file, else TROCCO_API_KEY;
// --base-url, else TROCCO_BASE_URL, else https://trocco.io. The key is never an argument (ps shows arguments to
// every user) and no message here ever contains it.
#pragma once

#include <cerrno>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>

#include "command_line.hpp"

namespace trocco::cli {

inline constexpr std::string_view default_base_url = "https://trocco.io";
inline constexpr std::string_view api_key_variable = "TROCCO_API_KEY";
inline constexpr std::string_view base_url_variable = "TROCCO_BASE_URL";

/// `text` without trailing whitespace (a newline, "\r\n", spaces, tabs): what an editor or `echo` leaves at the end
/// of a key file.
inline std::string trim_trailing_whitespace(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' ||
                             text.back() == '\t')) {
        text.pop_back();
    }
    return text;
}

/// The API key, or a usage error saying how to provide one. `file_contents` is what --api-key-file's file holds
/// (nullopt when the option is not given); `environment` the value of TROCCO_API_KEY (nullptr when unset). The
/// file wins over the environment.
inline std::variant<std::string, usage_error> choose_api_key(const command_line& cmd,
                                                             const std::optional<std::string>& file_contents,
                                                             const char* environment) {
    if (cmd.api_key_file) {
        std::string key = trim_trailing_whitespace(file_contents.value_or(std::string{}));
        if (key.empty()) return usage_error{"the API key file " + *cmd.api_key_file + " is empty"};
        return key;
    }
    if (environment) {
        std::string key = trim_trailing_whitespace(environment);
        if (!key.empty()) return key;
        return usage_error{"the environment variable TROCCO_API_KEY is empty: set it to your trocco API key, or "
                           "pass --api-key-file PATH"};
    }
    return usage_error{"no API key: set the environment variable TROCCO_API_KEY, or pass --api-key-file PATH (a file "
                       "holding the key); it is never taken as an argument, where other users could read it with ps"};
}

/// Reads a key file (at most 64 KiB). An error message names the file and the reason, never its contents.
inline std::variant<std::string, usage_error> read_api_key_file(const std::string& path) {
    errno = 0;
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        const int code = errno;
        return usage_error{"cannot read the API key file " + path + ": " +
                           (code != 0 ? std::generic_category().message(code) : std::string("cannot open it"))};
    }
    std::string contents;
    char buffer[4096];
    while (file.read(buffer, sizeof buffer) || file.gcount() > 0) {
        contents.append(buffer, static_cast<std::size_t>(file.gcount()));
        if (contents.size() > 64 * 1024) return usage_error{"the API key file " + path + " is too large for a key"};
    }
    if (file.bad()) return usage_error{"cannot read the API key file " + path};
    return contents;
}

/// --base-url, else TROCCO_BASE_URL when set and non-empty, else https://trocco.io.
inline std::string choose_base_url(const command_line& cmd, const char* environment) {
    if (cmd.base_url) return *cmd.base_url;
    if (environment && *environment) return environment;
    return std::string(default_base_url);
}

}  // namespace trocco::cli
