// certificate: certificate and name decoding, and every accessor over what
// decodes. The same bytes are tried as a DER certificate, a PEM
// certificate, a DER Name and through PEM_cert_to_DER_cert; whatever parses
// is decoded to Python's getpeercert() dict and its JSON, verified against
// the harness root at the pinned time, and compared with itself re-encoded.
//
// Input: [flags byte] [bytes...]; flags bit 0: also verify the parsed
// certificate for a host name taken from the first line of the bytes.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include <sslpp/cert_store.hpp>
#include <sslpp/certificate.hpp>
#include <sslpp/name.hpp>

#include "support/deterministic.hpp"
#include "support/expect.hpp"
#include "support/input.hpp"
#include "support/pki.hpp"
#include "support/world.hpp"

namespace {

using namespace sslpp_fuzz;

void exercise(const sslpp::Name& name) {
  expect_typed([&] { (void)name.entries(); });
  expect_typed([&] { (void)name.get_components(); });
  expect_typed([&] { (void)name.rdns(); });
  expect_typed([&] { (void)name.to_string(); });
  expect_typed([&] { (void)name.oneline(); });
  expect_typed([&] { (void)name.hash(); });
  expect_typed([&] { (void)name.get("CN"); });
  expect_typed([&] { (void)name.get("2.5.4.10"); });
  expect_typed([&] { (void)name.get("emailAddress"); });
  expect_typed([&] {
    const sslpp::Name again = sslpp::Name::from_der(name.der());
    if (again != name || (again <=> name) != std::strong_ordering::equal) {
      __builtin_trap();  // a name must equal its own re-encoding
    }
  });
  (void)name.size();
}

void exercise(const sslpp::Certificate& cert, std::optional<std::string_view> host) {
  expect_typed([&] { (void)cert.decode().to_json(); });
  expect_typed([&] { exercise(cert.subject()); });
  expect_typed([&] { exercise(cert.issuer()); });
  expect_typed([&] { (void)cert.subject_name(); });
  expect_typed([&] { (void)cert.issuer_name(); });
  (void)cert.version();
  expect_typed([&] { (void)cert.serial_number(); });
  expect_typed([&] { (void)cert.not_before(); });
  expect_typed([&] { (void)cert.not_after(); });
  expect_typed([&] { (void)cert.has_expired(); });
  expect_typed([&] {
    for (const sslpp::Extension& ext : cert.extensions()) {
      (void)sslpp::json_quote(ext.text);
    }
  });
  expect_typed([&] {
    const sslpp::PublicKey key = cert.public_key();
    (void)key.pem();
    (void)key.der();
    (void)key.type_name();
    (void)key.bits();
  });
  expect_typed([&] { (void)cert.signature_algorithm(); });
  expect_typed([&] { (void)cert.sha256_fingerprint(); });
  expect_typed([&] {
    const std::vector<std::byte> der = cert.der();
    const std::string pem = sslpp::DER_cert_to_PEM_cert(der);
    if (sslpp::PEM_cert_to_DER_cert(pem) != der || !(sslpp::Certificate::from_der(der) == cert) ||
        cert.pem() != pem) {
      __builtin_trap();  // PEM and DER must round-trip
    }
  });
  if (host) {
    expect_typed([&] {
      sslpp::CertStore store;
      store.add_cert(the_pki().root.certificate);
      (void)store.verify(cert, {.hostname = std::string(*host),
                                .time = std::chrono::system_clock::from_time_t(pinned_time)});
    });
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  begin_input();
  input in(data, size);
  const bool verify = in.flag();
  const std::span<const std::byte> bytes = in.rest();
  const std::string_view text = as_text(bytes);
  std::optional<std::string_view> host;
  if (verify) {
    host = text.substr(0, std::min(text.find('\n'), std::size_t{64}));
  }
  expect_typed([&] { exercise(sslpp::Certificate::from_der(bytes), host); });
  expect_typed([&] { exercise(sslpp::Certificate::from_pem(text), host); });
  expect_typed([&] { exercise(sslpp::Certificate::from_der(sslpp::PEM_cert_to_DER_cert(text)), host); });
  expect_typed([&] { exercise(sslpp::Name::from_der(bytes)); });
  return 0;
}
