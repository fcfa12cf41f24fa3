// Small pieces of `sslpp decode`'s readable form: OpenSSL's ASN.1 values
// (strings, OIDs, names, times, integers, general names) as text, and
// terminal_text, which every line passes through before it is printed.
#pragma once

#include <openssl/x509v3.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "owned.hpp"

namespace sslpp::cli {

/// Lines are the values of one field, one a line, not yet escaped.
using Lines = std::vector<std::string>;

/// terminal_text is `bytes` made safe to print: printable ASCII and valid
/// UTF-8 stay; control bytes, DEL, invalid UTF-8, C1 controls and the
/// Unicode bidirectional and line-separator controls become \xNN per byte.
std::string terminal_text(std::string_view bytes);

/// serial_hex is an ASN.1 INTEGER in upper-case hex, two digits a byte,
/// "-" before a negative one: the form of Certificate::serial_number(),
/// whatever the length (OpenSSL's own printer breaks lines after 35 bytes).
std::string serial_hex(const ASN1_INTEGER* serial);

/// mem_bio is an empty memory BIO; bio_text is what was written to it.
owned<BIO, BIO_free_all> mem_bio();
std::string bio_text(BIO* bio);

/// bytes_of is the raw content of any ASN1_STRING.
std::string bytes_of(const ASN1_STRING* s);
/// colon_hex is "AB:CD:EF", as OpenSSL prints key identifiers and fingerprints.
std::string colon_hex(const unsigned char* p, std::size_t n);
/// dump is "N bytes: AB:CD:..." (the first 64), for what nothing decodes.
std::string dump(const ASN1_STRING* s);
/// object_name is an OID's long name, or its dotted form when OpenSSL has none.
std::string object_name(const ASN1_OBJECT* obj);
/// name_text is a name in OpenSSL's one-line form ("C = GB, CN = x").
std::string name_text(const X509_NAME* name);
/// utc_text is "2026-12-06 22:11:38 UTC"; a malformed time says so.
std::string utc_text(const ASN1_TIME* t);
/// integer_text is decimal up to 128 bits, "0x..." above.
std::string integer_text(const ASN1_INTEGER* n);
/// number_text is the same for a BIGNUM.
std::string number_text(const BIGNUM* bn);
/// version_text is "3 (0x2)" for the field value 2.
std::string version_text(long field);
/// algorithm_text is an AlgorithmIdentifier's OID name.
std::string algorithm_text(const X509_ALGOR* alg);
/// general_name is "DNS:x", "IP Address:192.0.2.1", "DirName:CN = x", ...
std::string general_name(const GENERAL_NAME* gn);
/// general_names is one line per name, each after `prefix`.
Lines general_names(const GENERAL_NAMES* names, std::string_view prefix = {});

}  // namespace sslpp::cli
