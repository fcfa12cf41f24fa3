// The credentials target's vocabulary, shared with the corpus generator.
#pragma once

#include <cstdint>

namespace sslpp_fuzz {

/// What the credentials target does with its bytes.
enum class credentials_op : std::uint8_t {
  cadata_pem,        // Context::load_verify_locations({.cadata_pem})
  cadata_der,        // ... ({.cadata_der})
  cafile,            // ... ({.cafile}): certificates and CRLs
  crl,               // CertStore::add_crl
  key_pem,           // PrivateKey::from_pem with the password
  key_der,           // PrivateKey::from_der
  public_key,        // PublicKey::from_pem, then from_der
  chain_combined,    // load_cert_chain(file): certificate(s) and key in one file
  chain_key_only,    // load_cert_chain(harness certificate, file as the key)
  chain_callback,    // load_cert_chain(file, {}, password callback)
  passwd_cb_key,     // set_passwd_cb, then use_privatekey_file (PEM)
  key_file_asn1,     // use_privatekey_file(FILETYPE_ASN1)
  cert_files,        // use_certificate_file (PEM, ASN1), use_certificate_chain_file, Certificate::load
  tmp_dh,            // load_tmp_dh
  client_ca,         // load_client_ca
  count,
};

/// Which password accompanies a key load.
enum class password_choice : std::uint8_t {
  none,       // no password (and an empty callback answer)
  right,      // pki.hpp's password
  wrong,
  over_long,  // 64 KiB: longer than any PEM buffer
  from_input, // [len][bytes] from the input
  callback_throws,
  count,
};

}  // namespace sslpp_fuzz
