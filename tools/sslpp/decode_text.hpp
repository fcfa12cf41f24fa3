// `sslpp decode`'s readable form: a certificate, a certificate request or a
// CRL field by field, as `openssl x509 -text` (and `req -text`, `crl
// -text`) show them, but laid out by us. OpenSSL parses; every string taken
// from the input is escaped before it is printed (terminal_text), so a
// hostile name cannot move the cursor, change colours or forge a line.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>

#include "decode_members.hpp"

namespace sslpp::cli {

/// print_member writes one member: a header naming its position, then its
/// fields, two spaces of indent per level.
void print_member(std::ostream& out, const Member& member);

/// terminal_text is `bytes` made safe to print: printable ASCII and valid
/// UTF-8 stay; control bytes, DEL, invalid UTF-8, C1 controls and the
/// Unicode bidirectional and line-separator controls become \xNN per byte.
std::string terminal_text(std::string_view bytes);

/// serial_hex is an ASN.1 INTEGER in upper-case hex, two digits a byte,
/// "-" before a negative one: the form of Certificate::serial_number(),
/// whatever the length (OpenSSL's own printer breaks lines after 35 bytes).
std::string serial_hex(const ASN1_INTEGER* serial);

}  // namespace sslpp::cli
