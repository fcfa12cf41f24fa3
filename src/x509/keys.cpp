#include <sslpp/keys.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "internal/error_queue.hpp"
#include "internal/secret.hpp"
#include "x509/pem.hpp"
#include "x509/x509_text.hpp"

namespace sslpp {

namespace {

std::string key_type_name(const EVP_PKEY* pkey) {
  const char* name = ::EVP_PKEY_get0_type_name(pkey);
  return name != nullptr ? name : "";
}

std::string_view as_text(std::span<const std::byte> der) {
  return {reinterpret_cast<const char*>(der.data()), der.size()};
}

}  // namespace

// ---------------------------------------------------------------------------
// PublicKey

void PublicKey::free_pkey::operator()(EVP_PKEY* p) const noexcept { ::EVP_PKEY_free(p); }

PublicKey PublicKey::from_pem(std::string_view pem) {
  detail::clear_stale_errors();
  auto bio = detail::memory_bio(pem);
  detail::unique_handle<EVP_PKEY> key(::PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    detail::throw_openssl_error("cannot load public key");
  }
  return PublicKey(key.release());
}

PublicKey PublicKey::from_der(std::span<const std::byte> der) {
  detail::clear_stale_errors();
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  detail::unique_handle<EVP_PKEY> key(::d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!key) {
    detail::throw_openssl_error("cannot load public key");
  }
  detail::refuse_trailing_bytes(der.size() - static_cast<std::size_t>(p - reinterpret_cast<const unsigned char*>(der.data())),
                                "public key");
  return PublicKey(key.release());
}

PublicKey PublicKey::from_native(EVP_PKEY* pkey) { return PublicKey(detail::up_ref(pkey).release()); }

std::string PublicKey::pem() const { return detail::der_to_pem(der(), "PUBLIC KEY"); }

std::vector<std::byte> PublicKey::der() const {
  return detail::i2d_bytes(pkey_.get(), &::i2d_PUBKEY, "i2d_PUBKEY");
}

std::string PublicKey::type_name() const { return key_type_name(pkey_.get()); }

int PublicKey::bits() const noexcept { return ::EVP_PKEY_get_bits(pkey_.get()); }

bool operator==(const PublicKey& a, const PublicKey& b) noexcept {
  return ::EVP_PKEY_eq(a.pkey_.get(), b.pkey_.get()) == 1;
}

// ---------------------------------------------------------------------------
// PrivateKey

void PrivateKey::free_pkey::operator()(EVP_PKEY* p) const noexcept { ::EVP_PKEY_free(p); }

PrivateKey PrivateKey::from_pem(std::string_view pem, std::string_view password) {
  detail::password_source source{[password](int, bool) { return std::string(password); }, nullptr};
  return PrivateKey(detail::parse_private_key(pem, FILETYPE_PEM, &source).release());
}

PrivateKey PrivateKey::from_der(std::span<const std::byte> der) {
  return PrivateKey(detail::parse_private_key(as_text(der), FILETYPE_ASN1, nullptr).release());
}

PrivateKey PrivateKey::load(const std::filesystem::path& file, FileType type, std::string_view password) {
  const detail::secret_text data(detail::read_file(file));
  if (type == FILETYPE_ASN1) {
    return from_der(std::as_bytes(std::span(data.str())));
  }
  return from_pem(data.str(), password);
}

PrivateKey PrivateKey::from_native(EVP_PKEY* pkey) { return PrivateKey(detail::up_ref(pkey).release()); }

std::string PrivateKey::pem(std::string_view password) const {
  auto bio = detail::new_mem_bio();
  const EVP_CIPHER* cipher = password.empty() ? nullptr : ::EVP_aes_256_cbc();
  // OpenSSL takes the passphrase as non-const but only reads it.
  auto* pw = const_cast<char*>(password.data());
  if (::PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey_.get(), cipher, pw, static_cast<int>(password.size()), nullptr,
                                      nullptr) != 1) {
    detail::throw_openssl_error("PEM_write_bio_PKCS8PrivateKey");
  }
  return detail::bio_text(bio.get());
}

std::string PrivateKey::type_name() const { return key_type_name(pkey_.get()); }

int PrivateKey::bits() const noexcept { return ::EVP_PKEY_get_bits(pkey_.get()); }

PublicKey PrivateKey::public_key() const {
  // A copy that holds only the public half, so a PublicKey never carries
  // private key material.
  return PublicKey::from_der(detail::i2d_bytes(pkey_.get(), &::i2d_PUBKEY, "i2d_PUBKEY"));
}

}  // namespace sslpp
