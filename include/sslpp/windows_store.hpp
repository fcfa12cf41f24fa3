/// \file
/// The seed's Windows-only certificate store functions. They exist so code
/// written against the seed compiles; on this platform they throw.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <sslpp/export.hpp>

namespace sslpp {

/// StoreEntry is one (cert_bytes, encoding_type, trust) tuple of Python's
/// enum_certificates / enum_crls.
struct StoreEntry {
  /// bytes is the certificate or CRL, DER-encoded.
  std::string bytes;
  /// encoding_type is "x509_asn" or "pkcs_7_asn".
  std::string encoding_type;
  /// trust is the purposes (OIDs) the store trusts it for.
  std::vector<std::string> trust;
};

/// enum_certificates reads Windows' system certificate store `store_name`
/// ("CA", "ROOT", "MY"). Not on Linux: always throws NotSupportedError.
[[noreturn]] SSLPP_API std::vector<StoreEntry> enum_certificates(std::string_view store_name);

/// enum_crls reads CRLs from Windows' system store `store_name`. Not on
/// Linux: always throws NotSupportedError.
[[noreturn]] SSLPP_API std::vector<StoreEntry> enum_crls(std::string_view store_name);

}  // namespace sslpp
