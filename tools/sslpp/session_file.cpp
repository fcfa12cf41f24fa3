#include "session_file.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <strings.h>

#include <openssl/ssl.h>

#include "files.hpp"

namespace sslpp::cli {

namespace {

using Clock = std::chrono::steady_clock;

// The session id context of connect's contexts (see use_session_files).
constexpr std::string_view kSessionIdContext = "sslpp connect";

bool resumable(const SSLSocket& tls) {
  const auto session = tls.session();
  return session && session->is_resumable();
}

}  // namespace

void use_session_files(Context& ctx) {
  ctx.set_session_id(std::as_bytes(std::span(kSessionIdContext)));
}

Session read_session_file(const std::string& path, std::string_view server_hostname) {
  Session session = Session::from_pem(read_input(path));
  // OpenSSL refuses a resumption whose session id context differs from the
  // connection's (ATTEMPT_TO_REUSE_SESSION_IN_DIFFERENT_CONTEXT); a client
  // has no use for one, and s_client's files have none: the session read
  // back takes connect's own. It is our copy, shared with no one.
  if (::SSL_SESSION_set1_id_context(session.native_handle(),
                                    reinterpret_cast<const unsigned char*>(kSessionIdContext.data()),
                                    static_cast<unsigned int>(kSessionIdContext.size())) != 1) {
    throw ValueError("--sess-in: cannot use the session in '" + path + "'");
  }
  // Without SNI (an IP address) the session records no name; the check of
  // the certificate after the handshake (connect.cpp) covers that case.
  const auto made_for = session.server_hostname();
  if (made_for && ::strcasecmp(made_for->c_str(), std::string(server_hostname).c_str()) != 0) {
    throw ValueError("--sess-in: the session in '" + path + "' was made for '" + *made_for + "', not '" +
                     std::string(server_hostname) + "'");
  }
  return session;
}

void check_writable(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path file(path);
  if (std::filesystem::is_directory(file, ec)) {
    throw OSError(os_error_info(EISDIR, "'" + path + "'"));
  }
  const std::filesystem::path dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  const bool exists = std::filesystem::exists(file, ec);
  if (::access(exists ? path.c_str() : dir.c_str(), exists ? W_OK : W_OK | X_OK) != 0) {
    throw OSError(os_error_info(errno, "'" + path + "'"));
  }
}

void await_session(SSLSocket& tls, std::chrono::duration<double> bound, SessionFacts& facts) {
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(bound);
  const Timeout before = tls.gettimeout();
  // Non-blocking: a read that processes a ticket and finds no application
  // data returns at once, instead of waiting for data that may never come.
  tls.settimeout(std::chrono::duration<double>(0));
  while (!resumable(tls) && !facts.end_of_stream) {
    try {
      const std::string part = tls.recv(16384);
      if (part.empty()) {
        facts.end_of_stream = "close_notify";
      } else {
        facts.received = facts.received.value_or("") + part;
      }
    } catch (const SSLWantReadError&) {
      if (resumable(tls)) {
        break;  // the read that found no data processed the ticket
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      pollfd readable{tls.fileno(), POLLIN, 0};
      if (left.count() <= 0 || ::poll(&readable, 1, static_cast<int>(left.count()) + 1) == 0) {
        facts.end_of_stream = "idle";
      }
    } catch (const SSLEOFError&) {
      facts.end_of_stream = "truncated";
    }
  }
  tls.settimeout(before);
}

bool write_session_file(const std::string& path, const SSLSocket& tls) {
  if (!resumable(tls)) {
    return false;
  }
  write_secret_output(path, tls.session()->to_pem());
  return true;
}

}  // namespace sslpp::cli
