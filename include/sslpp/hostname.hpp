/// \file
/// Python's ssl.match_hostname: does a decoded certificate name a host?
#pragma once

#include <string_view>

#include <sslpp/certificate.hpp>
#include <sslpp/export.hpp>

namespace sslpp {

/// match_hostname checks that `cert` (the dict getpeercert() gives, see
/// Certificate::decode) names `hostname`, deciding every case as Python
/// 3.11's ssl.match_hostname does, and returns normally when it does.
///
/// The rules, as Python applies them:
/// - `hostname` is an IP address only when it is a canonical dotted quad
///   ("127.0.0.1", not "127.1" or "0x7f.0.0.1") or an IPv6 address; it is
///   then compared, as packed bytes, with "IP Address" entries only.
/// - Any other `hostname` is compared with "DNS" entries, case-insensitively
///   (Python's str.lower), byte for byte otherwise: trailing dots count and
///   IDNA names must be A-labels on both sides.
/// - A wildcard is only the whole leftmost label ("*.example.com") and
///   matches exactly one non-empty label. A DNS entry with more than one
///   "*", a "*" outside the leftmost label, a lone "*" or a partial
///   wildcard ("w*.example.com") makes the whole call throw, if it is
///   reached before a match.
/// - The subject's commonName entries are consulted only when the
///   certificate has neither a "DNS" nor an "IP Address" entry; they are
///   matched as DNS names even when `hostname` is an IP address.
///
/// Throws CertificateError (code errc::hostname_mismatch) with Python's
/// message when nothing matches ("hostname 'x' doesn't match 'y'",
/// "hostname 'x' doesn't match either of 'a', 'b'", "no appropriate
/// commonName or subjectAltName fields were found") or a wildcard is
/// malformed. Throws ValueError when `cert.empty()`, and, when `hostname`
/// is an IP address, for an "IP Address" entry that is not one (Python's
/// ValueError, e.g. "'127.1' is not a quad-dotted IPv4 address.").
/// Strings are taken as UTF-8; bytes that are not UTF-8 stand for
/// themselves, as Python's surrogateescape would have them.
[[deprecated("the handshake checks the name (check_hostname, server_hostname); Python deprecated match_hostname "
             "in 3.7")]]
SSLPP_API void match_hostname(const CertInfo& cert, std::string_view hostname);

}  // namespace sslpp
