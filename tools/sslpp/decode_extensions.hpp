// The extensions in `sslpp decode`'s readable form (certificate, request,
// CRL and CRL entry extensions alike): each one OpenSSL decodes
// (X509V3_EXT_d2i) and sslpp lays out, one value a line; others as OpenSSL
// prints them, or in hex.
#pragma once

#include <openssl/x509.h>

#include "decode_values.hpp"

namespace sslpp::cli {

/// extension_value is `ext`'s value as lines, not yet escaped. A known
/// extension that does not decode shows "(malformed, N bytes: ...)".
Lines extension_value(X509_EXTENSION* ext);

}  // namespace sslpp::cli
