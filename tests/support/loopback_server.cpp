// tests/support/loopback_server.cpp - see loopback_server.hpp.
#include "loopback_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>

namespace test_support {

namespace {

using namespace std::chrono_literals;

/// A request head larger than this is answered 431 and the connection closed.
constexpr std::size_t max_head_bytes = 1024 * 1024;

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

[[noreturn]] void fail(const char* what) {
    throw std::runtime_error(std::string("loopback_server: ") + what + ": " + std::strerror(errno));
}

sockaddr_in loopback_address(std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    return address;
}

/// A socket bound to 127.0.0.1 on a free port, listening with `backlog`; its port in `port`.
int listening_socket(int backlog, std::uint16_t& port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) fail("socket");
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in address = loopback_address(0);
    socklen_t length = sizeof address;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd, backlog) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        const int saved = errno;
        ::close(fd);
        errno = saved;
        fail("bind/listen");
    }
    port = ntohs(address.sin_port);
    return fd;
}

bool send_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

/// The request line and headers (the head without its final blank line); false if it is not one.
bool parse_head(std::string_view head, received_request& r) {
    auto line_end = head.find("\r\n");
    const std::string_view request_line = head.substr(0, line_end);
    const auto sp1 = request_line.find(' ');
    const auto sp2 = sp1 == std::string_view::npos ? sp1 : request_line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos) return false;
    r.method = std::string(request_line.substr(0, sp1));
    r.target = std::string(request_line.substr(sp1 + 1, sp2 - sp1 - 1));
    r.version = std::string(request_line.substr(sp2 + 1));
    while (line_end != std::string_view::npos) {
        const auto start = line_end + 2;
        line_end = head.find("\r\n", start);
        const std::string_view line = head.substr(start, line_end == std::string_view::npos ? head.npos : line_end - start);
        if (line.empty()) continue;
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) return false;
        r.headers.emplace_back(std::string(line.substr(0, colon)), std::string(trim(line.substr(colon + 1))));
    }
    return true;
}

/// A Content-Length value; false unless it is plain digits below 1 GiB.
bool parse_length(std::string_view text, std::size_t& length) {
    if (text.empty() || text.size() > 10) return false;
    length = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return false;
        length = length * 10 + static_cast<std::size_t>(c - '0');
    }
    return length < (std::size_t{1} << 30);
}

}  // namespace

// ---- requests, replies, scripts --------------------------------------------------------------------------------

const std::string* received_request::header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
        if (iequals(n, name)) return &v;
    }
    return nullptr;
}

std::string reply::wire() const {
    std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n";
    bool framed = false;
    for (const auto& [n, v] : headers) {
        out += n;
        out += ": ";
        out += v;
        out += "\r\n";
        framed = framed || iequals(n, "Content-Length") || iequals(n, "Transfer-Encoding");
    }
    if (!framed) out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    if (close) out += "Connection: close\r\n";
    out += "\r\n";
    out += body;
    return out;
}

script::script(reply r) { then(r); }

script::step& script::add(step::kind what) {
    steps_.emplace_back();
    steps_.back().what = what;
    return steps_.back();
}

script& script::send(std::string bytes) {
    add(step::kind::send).bytes = std::move(bytes);
    return *this;
}

script& script::send_filler(std::size_t count, char byte) {
    step& s = add(step::kind::filler);
    s.count = count;
    s.byte = byte;
    return *this;
}

script& script::trickle(std::string bytes, std::chrono::milliseconds per_byte) {
    step& s = add(step::kind::trickle);
    s.bytes = std::move(bytes);
    s.interval = per_byte;
    return *this;
}

script& script::wait(std::chrono::milliseconds duration) {
    add(step::kind::wait).interval = duration;
    return *this;
}

script& script::then(const reply& r) {
    send(r.wire());
    if (r.close) close();
    return *this;
}

script& script::close() {
    add(step::kind::close);
    return *this;
}

script& script::reset() {
    add(step::kind::reset);
    return *this;
}

// ---- the server ---------------------------------------------------------------------------------------------------

struct loopback_server::connection_io {
    int fd = -1;
    int id = 0;
    SSL* ssl = nullptr;  // a TLS server's session on this connection, once set up
    std::string alpn_offered = {};
};

namespace {

/// Writes all of `data`; false when the connection is gone.
bool send_all(SSL* ssl, int fd, std::string_view data) {
    if (ssl == nullptr) return send_all(fd, data);
    while (!data.empty()) {
        const int chunk = static_cast<int>(std::min<std::size_t>(data.size(), 1 << 20));
        const int n = SSL_write(ssl, data.data(), chunk);
        if (n <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

/// ALPN: records what the client offered (SSL_get_app_data is the connection's alpn_offered) and accepts
/// "http/1.1" only.
int select_alpn(SSL* ssl, const unsigned char** out, unsigned char* out_length, const unsigned char* in,
                unsigned int in_length, void*) {
    auto* offered = static_cast<std::string*>(SSL_get_app_data(ssl));
    bool http11 = false;
    for (unsigned int i = 0; i < in_length;) {
        const unsigned int n = in[i];
        if (i + 1 + n > in_length) break;
        const std::string_view protocol(reinterpret_cast<const char*>(in + i + 1), n);
        if (offered != nullptr) {
            if (!offered->empty()) *offered += ',';
            offered->append(protocol);
        }
        if (protocol == "http/1.1") {
            *out = in + i + 1;
            *out_length = static_cast<unsigned char>(n);
            http11 = true;
        }
        i += 1 + n;
    }
    return http11 ? SSL_TLSEXT_ERR_OK : SSL_TLSEXT_ERR_NOACK;
}

/// An SSL_CTX for a TLS server with this chain and key.
SSL_CTX* tls_context(const std::string& chain_pem, const std::string& key_pem) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == nullptr) throw std::runtime_error("loopback_server: SSL_CTX_new failed");
    bool ok = SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1;
    BIO* chain = BIO_new_mem_buf(chain_pem.data(), static_cast<int>(chain_pem.size()));
    if (X509* leaf = chain != nullptr ? PEM_read_bio_X509(chain, nullptr, nullptr, nullptr) : nullptr) {
        ok = ok && SSL_CTX_use_certificate(ctx, leaf) == 1;
        X509_free(leaf);
        while (X509* more = PEM_read_bio_X509(chain, nullptr, nullptr, nullptr)) {
            if (SSL_CTX_add0_chain_cert(ctx, more) != 1) {  // owns `more` on success only
                X509_free(more);
                ok = false;
            }
        }
    } else {
        ok = false;
    }
    BIO_free(chain);
    BIO* key_bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
    EVP_PKEY* key = key_bio != nullptr ? PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr) : nullptr;
    ok = ok && key != nullptr && SSL_CTX_use_PrivateKey(ctx, key) == 1 && SSL_CTX_check_private_key(ctx) == 1;
    EVP_PKEY_free(key);
    BIO_free(key_bio);
    ERR_clear_error();  // PEM_read_bio_X509 leaves "no start line" at the end of the chain
    SSL_CTX_set_alpn_select_cb(ctx, &select_alpn, nullptr);
    if (!ok) {
        SSL_CTX_free(ctx);
        throw std::runtime_error("loopback_server: the TLS certificate chain or key is unusable");
    }
    return ctx;
}

}  // namespace

loopback_server::loopback_server(handler_fn handler, loopback_server_options options)
    : handler_(std::move(handler)), options_(std::move(options)) {
    const bool has_chain = !options_.tls_certificate_chain_pem.empty();
    if (has_chain != !options_.tls_private_key_pem.empty()) {
        throw std::runtime_error("loopback_server: a TLS server needs both a certificate chain and a key");
    }
    if (has_chain) {
        // SSL_write writes without MSG_NOSIGNAL: a client that went away must not kill the test program.
        ::signal(SIGPIPE, SIG_IGN);
        tls_ = tls_context(options_.tls_certificate_chain_pem, options_.tls_private_key_pem);
    }
    try {
        listen_fd_ = listening_socket(1024, port_);
    } catch (...) {
        SSL_CTX_free(tls_);
        throw;
    }
    acceptor_ = std::thread([this] { accept_loop(); });
}

loopback_server::~loopback_server() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        for (const auto& [id, c] : open_) ::shutdown(c.fd, SHUT_RDWR);
    }
    changed_.notify_all();
    acceptor_.join();
    for (auto& t : connection_threads_) t.join();  // the acceptor is gone: no thread is added any more
    ::close(listen_fd_);
    SSL_CTX_free(tls_);
}

std::string loopback_server::base() const {
    return std::string(tls_ != nullptr ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

std::string loopback_server::url(std::string_view target) const { return base() + std::string(target); }

std::vector<received_request> loopback_server::requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
}

std::size_t loopback_server::count(std::string_view method) const {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(
        std::count_if(requests_.begin(), requests_.end(), [&](const auto& r) { return r.method == method; }));
}

int loopback_server::connections() const {
    std::lock_guard lock(mutex_);
    return static_cast<int>(log_.size());
}

std::vector<connection_record> loopback_server::connection_log() const {
    std::lock_guard lock(mutex_);
    return log_;
}

std::size_t loopback_server::bytes_received() const {
    std::lock_guard lock(mutex_);
    std::size_t total = 0;
    for (const auto& c : log_) total += c.bytes_received;
    return total;
}

int loopback_server::peak_in_flight() const {
    std::lock_guard lock(mutex_);
    return peak_in_flight_;
}

int loopback_server::close_idle_connections() {
    std::lock_guard lock(mutex_);
    int closed = 0;
    for (const auto& [id, c] : open_) {
        if (c.idle) {
            ::shutdown(c.fd, SHUT_RDWR);
            ++closed;
        }
    }
    return closed;
}

bool loopback_server::wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
}

bool loopback_server::wait_for_connections(int n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return static_cast<int>(log_.size()) >= n; });
}

bool loopback_server::wait_until_no_connection(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return open_.empty(); });
}

void loopback_server::accept_loop() {
    for (;;) {
        pollfd p{listen_fd_, POLLIN, 0};
        const int ready = ::poll(&p, 1, 20);
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return;
        }
        if (ready <= 0) continue;
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;
        {
            std::lock_guard lock(mutex_);
            if (stopping_) {
                ::close(fd);
                return;
            }
            const int id = static_cast<int>(log_.size()) + 1;
            log_.emplace_back().id = id;
            open_[id] = open_connection{fd, false};
            connection_threads_.emplace_back([this, fd, id] { serve(fd, id); });
        }
        changed_.notify_all();
    }
}

void loopback_server::set_idle(int id, bool idle) {
    std::lock_guard lock(mutex_);
    if (auto it = open_.find(id); it != open_.end()) it->second.idle = idle;
}

void loopback_server::end_connection(connection_io& io, bool reset) {
    {
        std::lock_guard lock(mutex_);
        open_.erase(io.id);  // before close: close_idle_connections() never touches a closed descriptor
        log_[static_cast<std::size_t>(io.id - 1)].open = false;
    }
    if (reset) {
        const linger abort_on_close{1, 0};
        ::setsockopt(io.fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
    } else {
        if (io.ssl != nullptr) SSL_shutdown(io.ssl);  // close_notify: an orderly end, not a truncation
        ::shutdown(io.fd, SHUT_WR);
    }
    SSL_free(std::exchange(io.ssl, nullptr));
    ERR_clear_error();
    ::close(io.fd);
    changed_.notify_all();
}

bool loopback_server::read_more(connection_io& io, std::string& buffer) {
    char chunk[16384];
    ssize_t n = 0;
    if (io.ssl != nullptr) {
        n = SSL_read(io.ssl, chunk, sizeof chunk);
    } else {
        do {
            n = ::recv(io.fd, chunk, sizeof chunk, 0);
        } while (n < 0 && errno == EINTR);
    }
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
    std::lock_guard lock(mutex_);
    log_[static_cast<std::size_t>(io.id - 1)].bytes_received += static_cast<std::size_t>(n);
    return true;
}

bool loopback_server::pause(int fd, std::chrono::milliseconds duration) {
    const auto deadline = std::chrono::steady_clock::now() + duration;
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return false;
        }
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left <= 0ms) return true;
        // POLLRDHUP only: a client that closes (or resets) ends the wait, a pipelined request does not.
        pollfd p{fd, POLLRDHUP, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(std::min(left, 10ms).count()));
        if (ready > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) return false;
    }
}

loopback_server::ending loopback_server::play(connection_io& io, const script& s) {
    const auto end = [&](bool reset) {
        end_connection(io, reset);
        return ending::closed;
    };
    for (const auto& step : s.steps()) {
        switch (step.what) {
            case script::step::kind::send:
                if (!send_all(io.ssl, io.fd, step.bytes)) return end(false);
                break;
            case script::step::kind::filler: {
                const std::string block(64 * 1024, step.byte);
                for (std::size_t left = step.count; left > 0;) {
                    const std::size_t n = std::min(left, block.size());
                    if (!send_all(io.ssl, io.fd, std::string_view(block).substr(0, n))) return end(false);
                    left -= n;
                }
                break;
            }
            case script::step::kind::trickle:
                for (std::size_t i = 0; i < step.bytes.size(); ++i) {
                    if (i > 0 && !pause(io.fd, step.interval)) return end(false);
                    if (!send_all(io.ssl, io.fd, std::string_view(step.bytes).substr(i, 1))) return end(false);
                }
                break;
            case script::step::kind::wait:
                if (!pause(io.fd, step.interval)) return end(false);
                break;
            case script::step::kind::close:
                return end(false);
            case script::step::kind::reset:
                return end(true);
        }
    }
    return ending::keep;
}

void loopback_server::serve(int fd, int id) {
    connection_io io{fd, id, nullptr};
    if (play(io, options_.on_accept) == ending::closed) return;
    if (tls_ != nullptr) {
        io.ssl = SSL_new(tls_);
        if (io.ssl != nullptr) SSL_set_app_data(io.ssl, &io.alpn_offered);
        const bool established = io.ssl != nullptr && SSL_set_fd(io.ssl, fd) == 1 && SSL_accept(io.ssl) == 1;
        {
            std::lock_guard lock(mutex_);
            auto& record = log_[static_cast<std::size_t>(id - 1)];
            record.tls_established = established;
            record.alpn_offered = io.alpn_offered;
        }
        if (!established) return end_connection(io, false);  // the client refused the certificate, or spoke no TLS
    }
    serve_requests(io);
}

void loopback_server::serve_requests(connection_io& io) {
    const auto refuse = [&](std::string_view answer) {
        send_all(io.ssl, io.fd, answer);
        end_connection(io, false);
    };
    std::string buffer;
    for (int index = 0;; ++index) {
        std::size_t head_end = 0;
        while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
            if (buffer.size() > max_head_bytes) {
                return refuse("HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
            }
            set_idle(io.id, buffer.empty() && index > 0);
            const bool more = read_more(io, buffer);
            set_idle(io.id, false);
            if (!more) return end_connection(io, false);
            if (io.ssl == nullptr && static_cast<unsigned char>(buffer.front()) == 0x16) {  // a TLS ClientHello
                return refuse("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
            }
        }
        received_request request;
        std::size_t length = 0;
        const std::string* declared = nullptr;
        const bool parsed = parse_head(std::string_view(buffer).substr(0, head_end + 2), request);
        if (parsed) declared = request.header("Content-Length");
        if (!parsed || (declared != nullptr && !parse_length(*declared, length))) {
            return refuse("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
        }
        const std::size_t total = head_end + 4 + length;
        while (buffer.size() < total) {
            if (!read_more(io, buffer)) return end_connection(io, false);
        }
        request.body = buffer.substr(head_end + 4, length);
        buffer.erase(0, total);
        request.connection = io.id;
        request.index_on_connection = index;
        request.arrived = std::chrono::steady_clock::now();

        {
            std::lock_guard lock(mutex_);
            requests_.push_back(request);
            ++log_[static_cast<std::size_t>(io.id - 1)].requests;
            peak_in_flight_ = std::max(peak_in_flight_, ++in_flight_);
        }
        changed_.notify_all();
        const script answer = handler_ ? handler_(request) : script(reply{});
        const ending end = play(io, answer);
        {
            std::lock_guard lock(mutex_);
            --in_flight_;
        }
        if (end == ending::closed) return;
    }
}

}  // namespace test_support
