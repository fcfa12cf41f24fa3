#include <sslpp/rand.hpp>

#include <climits>
#include <string>
#include <utility>

#include <openssl/err.h>
#include <openssl/rand.h>

#include <sslpp/error.hpp>

#include "internal/error_queue.hpp"

namespace sslpp {

namespace {

// checked_size refuses what OpenSSL's int-sized API cannot take.
int checked_size(std::size_t num, const char* function) {
  if (num > static_cast<std::size_t>(INT_MAX)) {
    detail::throw_value_error(std::string(function) + ": num must not exceed " + std::to_string(INT_MAX) + " bytes");
  }
  return static_cast<int>(num);
}

// throw_rand_error throws SSLError, as Python does for a generator failure,
// whatever the queue holds: OpenSSL queues a reason (e.g. "unable to fetch
// drbg"); should it not, the message still names the call.
[[noreturn]] void throw_rand_error(const char* function) {
  ErrorInfo info = detail::take_error_queue(errc::invalid_argument, function);
  if (info.queue.empty()) {
    info.message = std::string(function) + ": the random number generator failed";
  }
  throw SSLError(std::move(info));
}

}  // namespace

std::vector<std::byte> RAND_bytes(std::size_t num) {
  const int n = checked_size(num, "RAND_bytes");
  std::vector<std::byte> out(num);
  if (n == 0) {
    return out;  // nothing to draw; an empty vector may have no buffer to give OpenSSL
  }
  detail::clear_stale_errors();
  if (::RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), n) != 1) {
    throw_rand_error("RAND_bytes");
  }
  return out;
}

std::pair<std::vector<std::byte>, bool> RAND_pseudo_bytes(std::size_t num) {
  const int n = checked_size(num, "RAND_pseudo_bytes");
  std::vector<std::byte> out(num);
  if (n == 0) {
    return {std::move(out), true};
  }
  detail::clear_stale_errors();
  // Python 3.11 draws from RAND_bytes here too (OpenSSL 3 deprecates
  // RAND_pseudo_bytes) and reports 0, "not seeded", as weak bytes; only
  // another result is an error.
  const int ok = ::RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), n);
  if (ok == 1) {
    return {std::move(out), true};
  }
  if (ok == 0) {
    ::ERR_clear_error();  // the queue explains the weakness; nobody will read it
    return {std::move(out), false};
  }
  throw_rand_error("RAND_pseudo_bytes");
}

bool RAND_status() { return ::RAND_status() == 1; }

void RAND_add(std::span<const std::byte> bytes, double entropy) {
  // OpenSSL takes an int length; feed larger buffers in pieces, as Python
  // does. The entropy claim goes with every piece, also as Python does.
  do {
    const std::size_t chunk = bytes.size() < static_cast<std::size_t>(INT_MAX) ? bytes.size() : INT_MAX;
    ::RAND_add(bytes.data(), static_cast<int>(chunk), entropy);
    bytes = bytes.subspan(chunk);
  } while (!bytes.empty());
}

void RAND_add(std::string_view bytes, double entropy) { RAND_add(std::as_bytes(std::span(bytes)), entropy); }

void RAND_egd(std::string_view path) {
  static_cast<void>(path);  // there is no daemon protocol left to speak
  throw_error(error_info(errc::not_supported,
                         "RAND_egd: OpenSSL 3 has no EGD support; its RNG seeds itself from the operating system"));
}

}  // namespace sslpp
