// Internationalised host names: what reaches OpenSSL (SNI, the name check)
// and the resolver is always the ASCII form (A-label, "xn--knig-5qa.example"),
// as Python encodes server_hostname and socket host names with IDNA. A
// U-label passed through as raw UTF-8 would match no certificate, and would
// send bytes in SNI that RFC 6066 forbids.
#pragma once

#include <string>
#include <string_view>

namespace sslpp::detail {

// to_a_label returns `name` unchanged when it is ASCII, else its IDNA A-label
// form (UTS #46 non-transitional processing after NFC, as browsers do).
// Throws ValueError naming `what` and the name for a name that is not valid UTF-8 or
// not a valid internationalised domain name.
std::string to_a_label(std::string_view name, std::string_view what);

}  // namespace sslpp::detail
