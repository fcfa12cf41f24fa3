// credentials: what a user points a Context at: CA data (PEM, DER, files
// with CRLs), CRLs, private keys with passwords (right, wrong, missing,
// over-long, from a callback that may throw: the input chooses), and
// certificate chains. Whatever loads is then read back.
//
// Input: [op] [password choice] ([len][password] when chosen from the
// input) [bytes...]; see support/credentials_ops.hpp.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <sslpp/cert_store.hpp>
#include <sslpp/context.hpp>
#include <sslpp/keys.hpp>

#include "support/credentials_ops.hpp"
#include "support/expect.hpp"
#include "support/input.hpp"
#include "support/memfile.hpp"
#include "support/pki.hpp"
#include "support/world.hpp"

namespace {

using namespace sslpp_fuzz;

struct password_input {
  password_choice choice = password_choice::none;
  std::string text;

  [[nodiscard]] std::optional<std::string_view> value() const {
    if (choice == password_choice::none) {
      return std::nullopt;
    }
    return text;
  }
  // answer is what a password callback returns.
  [[nodiscard]] std::string answer() const {
    if (choice == password_choice::callback_throws) {
      throw planned_exception{};
    }
    return text;
  }
};

password_input read_password(input& in) {
  password_input p;
  p.choice = static_cast<password_choice>(in.byte() % static_cast<int>(password_choice::count));
  switch (p.choice) {
    case password_choice::right:
      p.text = sslpp_fuzz::password;
      break;
    case password_choice::wrong:
      p.text = "wrong-password";
      break;
    case password_choice::over_long:
      p.text.assign(65536, 'p');
      break;
    case password_choice::from_input:
      p.text = in.text();
      break;
    default:
      break;
  }
  return p;
}

// read_back calls the getters that show what a context now holds.
void read_back(const sslpp::Context& ctx) {
  expect_typed([&] { (void)ctx.cert_store_stats(); });
  expect_typed([&] {
    for (const sslpp::CertInfo& info : ctx.get_ca_certs()) {
      (void)info.to_json();
    }
  });
  expect_typed([&] { (void)ctx.get_ca_certs_der(); });
  expect_typed([&] { ctx.check_privatekey(); });
}

void read_back(const sslpp::PrivateKey& key) {
  expect_typed([&] { (void)key.pem(); });
  expect_typed([&] { (void)key.type_name(); });
  (void)key.bits();
  expect_typed([&] { (void)key.public_key().der(); });
}

void run(credentials_op op, const password_input& pw, std::span<const std::byte> bytes) {
  const std::string_view text = as_text(bytes);
  sslpp::Context ctx(sslpp::PROTOCOL_TLS_SERVER);
  switch (op) {
    case credentials_op::cadata_pem:
      ctx.load_verify_locations(sslpp::VerifyLocations{.cadata_pem = text});
      break;
    case credentials_op::cadata_der:
      ctx.load_verify_locations(sslpp::VerifyLocations{.cadata_der = bytes});
      break;
    case credentials_op::cafile: {
      const memfile file(bytes);
      ctx.load_verify_locations(sslpp::VerifyLocations{.cafile = file.path()});
      break;
    }
    case credentials_op::crl: {
      sslpp::CertStore store;
      store.add_crl(text);
      return;
    }
    case credentials_op::key_pem:
      read_back(sslpp::PrivateKey::from_pem(text, pw.value().value_or("")));
      return;
    case credentials_op::key_der:
      read_back(sslpp::PrivateKey::from_der(bytes));
      return;
    case credentials_op::public_key:
      expect_typed([&] { (void)sslpp::PublicKey::from_pem(text).der(); });
      (void)sslpp::PublicKey::from_der(bytes).pem();
      return;
    case credentials_op::chain_combined: {
      const memfile file(bytes);
      ctx.load_cert_chain(file.path(), {}, pw.value());
      break;
    }
    case credentials_op::chain_key_only: {
      const std::string cert = the_pki().server.certificate.pem();
      const memfile cert_file(std::as_bytes(std::span(cert)));
      const memfile key_file(bytes);
      ctx.load_cert_chain(cert_file.path(), key_file.path(), pw.value());
      break;
    }
    case credentials_op::chain_callback: {
      const memfile file(bytes);
      ctx.load_cert_chain(file.path(), {}, std::function<std::string()>([&pw] { return pw.answer(); }));
      break;
    }
    case credentials_op::passwd_cb_key: {
      const memfile file(bytes);
      ctx.set_passwd_cb([&pw](int, bool, const std::any&) { return pw.answer(); });
      ctx.use_privatekey_file(file.path());
      break;
    }
    case credentials_op::key_file_asn1: {
      const memfile file(bytes);
      ctx.use_privatekey_file(file.path(), sslpp::FILETYPE_ASN1);
      break;
    }
    case credentials_op::cert_files: {
      const memfile file(bytes);
      expect_typed([&] { ctx.use_certificate_file(file.path(), sslpp::FILETYPE_ASN1); });
      expect_typed([&] { (void)sslpp::Certificate::load(file.path(), sslpp::FILETYPE_ASN1).decode(); });
      expect_typed([&] { (void)sslpp::Certificate::load(file.path()).decode(); });
      expect_typed([&] { ctx.use_certificate_chain_file(file.path()); });
      ctx.use_certificate_file(file.path());
      break;
    }
    case credentials_op::tmp_dh: {
      const memfile file(bytes);
      ctx.load_tmp_dh(file.path());
      break;
    }
    case credentials_op::client_ca: {
      const memfile file(bytes);
      ctx.load_client_ca(file.path());
      break;
    }
    case credentials_op::count:
      return;
  }
  read_back(ctx);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  begin_input();
  input in(data, size);
  const auto op = static_cast<credentials_op>(in.byte() % static_cast<int>(credentials_op::count));
  const password_input pw = read_password(in);
  expect_typed([&] { run(op, pw, in.rest()); });
  return 0;
}
