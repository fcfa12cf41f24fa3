// Turning OpenSSL's ASN.1 objects into text, shared by the certificate,
// name and key types.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <sslpp/name.hpp>

#include "internal/error_queue.hpp"
#include "internal/handle.hpp"

namespace sslpp::detail {

// new_mem_bio is an empty, growable memory BIO.
unique_handle<BIO> new_mem_bio();
// bio_text is everything written to a memory BIO so far.
std::string bio_text(BIO* bio);
// print_time is a time as Python prints certificate times ("Jan  1 00:00:00 2027 GMT").
std::string print_time(const ASN1_TIME* t);
// print_serial is a serial number in upper-case hex, as Python prints it,
// but on one line whatever its length.
std::string print_serial(const ASN1_INTEGER* serial);
// asn1_bytes is the raw content of an ASN1_STRING (any string type).
std::string asn1_bytes(const ASN1_STRING* s);
// object_long_name is an OID's long name, or its dotted form when OpenSSL
// has no name for it (Python's naming of name attributes).
std::string object_long_name(const ASN1_OBJECT* obj);
// object_dotted is an OID's dotted form.
std::string object_dotted(const ASN1_OBJECT* obj);
// object_short_name is an OID's short name, or its dotted form.
std::string object_short_name(const ASN1_OBJECT* obj);
// decode_name is Python's _create_tuple_for_X509_NAME.
DistinguishedName decode_name(const X509_NAME* name);

// i2d_bytes is `obj` encoded by an OpenSSL i2d_* function.
template <typename T, typename I2D>
std::vector<std::byte> i2d_bytes(const T* obj, I2D i2d, const char* what) {
  const int len = i2d(obj, nullptr);
  if (len < 0) {
    throw_openssl_error(what);
  }
  std::vector<std::byte> out(static_cast<std::size_t>(len));
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  i2d(obj, &p);
  return out;
}

}  // namespace sslpp::detail
