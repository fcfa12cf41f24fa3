// The members of a file given to `sslpp decode`: every certificate,
// certificate request and CRL in it, in order, parsed by OpenSSL. A member
// that does not parse is a ValueError naming the file, the member's number
// and where it starts ("FILE: member 3 (CERTIFICATE at line 41): ...").
#pragma once

#include <openssl/x509.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "owned.hpp"

namespace sslpp::cli {

using owned_x509 = owned<X509, X509_free>;
using owned_request = owned<X509_REQ, X509_REQ_free>;
using owned_crl = owned<X509_CRL, X509_CRL_free>;

/// Member is one decoded object of the input and where it was found.
struct Member {
  /// number counts the members from 1, in file order.
  std::size_t number = 0;
  /// label is the PEM label ("CERTIFICATE", "X509 CRL"), or "DER".
  std::string label;
  /// where is "line 41" (PEM) or "byte 1234" (DER).
  std::string where;
  std::variant<owned_x509, owned_request, owned_crl> object;

  /// position is "member 3 (CERTIFICATE at line 41)", for headers and errors.
  [[nodiscard]] std::string position() const;
};

/// read_members parses every member of `data`. PEM: each CERTIFICATE,
/// X509 CERTIFICATE, TRUSTED CERTIFICATE, CERTIFICATE REQUEST, NEW
/// CERTIFICATE REQUEST and X509 CRL block; text and other blocks (keys,
/// parameters) are skipped, as OpenSSL skips them. DER (`der`): one or more
/// concatenated certificates, requests or CRLs, each recognised by parsing.
/// Throws ValueError (naming `file` and the member) for a member that does
/// not parse and for input without any member.
std::vector<Member> read_members(std::string_view data, bool der, std::string_view file);

}  // namespace sslpp::cli
