// `sslpp decode`'s readable form: a certificate, a certificate request or a
// CRL field by field, as `openssl x509 -text` (and `req -text`, `crl
// -text`) show them, but laid out by us (values in decode_values,
// extensions in decode_extensions). OpenSSL parses; every string taken from
// the input is escaped before it is printed (terminal_text), so a hostile
// name cannot move the cursor, change colours or forge a line.
#pragma once

#include <iosfwd>

#include "decode_members.hpp"

namespace sslpp::cli {

/// print_member writes one member: a header naming its position, then its
/// fields, two spaces of indent per level.
void print_member(std::ostream& out, const Member& member);

}  // namespace sslpp::cli
