/// \file
/// Python's ssl.RAND_* functions: OpenSSL's random number generator.
///
/// The names are Python's, so they repeat OpenSSL's own global C functions;
/// these live in namespace sslpp and never collide with <openssl/rand.h>.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include <sslpp/export.hpp>

namespace sslpp {

/// RAND_bytes returns `num` cryptographically strong random bytes from
/// OpenSSL's generator. Throws SSLError when the generator cannot provide
/// them, ValueError when `num` exceeds INT_MAX (OpenSSL's limit).
SSLPP_API std::vector<std::byte> RAND_bytes(std::size_t num);

/// RAND_pseudo_bytes returns `num` random bytes and whether they are
/// cryptographically strong, as Python 3.11 does: the bytes come from the
/// same generator as RAND_bytes, and `false` means it was not seeded.
/// Throws SSLError when the generator fails outright, ValueError when `num`
/// exceeds INT_MAX.
[[deprecated("use RAND_bytes, as Python 3.6 asks")]]
SSLPP_API std::pair<std::vector<std::byte>, bool> RAND_pseudo_bytes(std::size_t num);

/// RAND_status is true when the generator is seeded with enough entropy.
SSLPP_API bool RAND_status();

/// RAND_add mixes `bytes` into the generator, claiming `entropy` bytes of
/// entropy for them (a lower bound; see RFC 1750). OpenSSL 3's default
/// generator seeds itself from the operating system, so this is never needed.
SSLPP_API void RAND_add(std::span<const std::byte> bytes, double entropy);

/// RAND_add mixes the bytes of `bytes` into the generator (Python accepts a
/// str there and uses its UTF-8 bytes).
SSLPP_API void RAND_add(std::string_view bytes, double entropy);

/// RAND_egd always throws NotSupportedError: OpenSSL 3 has no EGD
/// (entropy gathering daemon) support, and Python 3.11 no longer offers it.
[[noreturn]] SSLPP_API void RAND_egd(std::string_view path);

}  // namespace sslpp
