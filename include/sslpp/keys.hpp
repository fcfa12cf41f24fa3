/// \file
/// Keys: PrivateKey (pyOpenSSL's PKey with its private half) and PublicKey
/// (what a certificate carries).
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/types.h>

#include <sslpp/constants.hpp>
#include <sslpp/export.hpp>

namespace sslpp {

/// PublicKey is a public key. Copies share the key.
class SSLPP_API PublicKey {
 public:
  /// from_pem parses a "PUBLIC KEY" (SubjectPublicKeyInfo) PEM block.
  static PublicKey from_pem(std::string_view pem);
  /// from_der parses a DER SubjectPublicKeyInfo.
  static PublicKey from_der(std::span<const std::byte> der);
  /// from_native takes a new reference to `pkey` (borrowed).
  static PublicKey from_native(EVP_PKEY* pkey);

  /// pem is the SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----").
  [[nodiscard]] std::string pem() const;
  /// der is the DER SubjectPublicKeyInfo.
  [[nodiscard]] std::vector<std::byte> der() const;
  /// type_name is "RSA", "EC", "ED25519", ...
  [[nodiscard]] std::string type_name() const;
  /// bits is the key size in bits.
  [[nodiscard]] int bits() const noexcept;

  /// native_handle is the borrowed EVP_PKEY*, valid while this object (or
  /// a copy) lives.
  [[nodiscard]] EVP_PKEY* native_handle() const noexcept { return pkey_.get(); }

  /// Keys compare equal when their public parameters are the same.
  friend SSLPP_API bool operator==(const PublicKey& a, const PublicKey& b) noexcept;

 private:
  struct free_pkey {
    void operator()(EVP_PKEY* p) const noexcept;
  };
  // Not noexcept: the shared_ptr allocates (std::bad_alloc; the key is freed).
  explicit PublicKey(EVP_PKEY* owned) : pkey_(owned, free_pkey{}) {}
  std::shared_ptr<EVP_PKEY> pkey_;
};

/// PrivateKey is a private key (pyOpenSSL's PKey). Copies share the key.
class SSLPP_API PrivateKey {
 public:
  /// from_pem parses a PEM private key, decrypting it with `password` when it
  /// is encrypted. Throws SSLError on a wrong password or malformed input.
  static PrivateKey from_pem(std::string_view pem, std::string_view password = {});
  /// from_der parses a DER (PKCS#8 or traditional) private key.
  static PrivateKey from_der(std::span<const std::byte> der);
  /// load reads a key file.
  static PrivateKey load(const std::filesystem::path& file, FileType type = FILETYPE_PEM,
                         std::string_view password = {});
  /// from_native takes a new reference to `pkey` (borrowed).
  static PrivateKey from_native(EVP_PKEY* pkey);

  /// pem is the unencrypted PKCS#8 PEM; with a password, AES-256-CBC encrypted.
  [[nodiscard]] std::string pem(std::string_view password = {}) const;
  /// type_name is "RSA", "EC", "ED25519", ...
  [[nodiscard]] std::string type_name() const;
  /// bits is the key size in bits.
  [[nodiscard]] int bits() const noexcept;
  /// public_key is the public half.
  [[nodiscard]] PublicKey public_key() const;

  /// native_handle is the borrowed EVP_PKEY*, valid while this object (or
  /// a copy) lives.
  [[nodiscard]] EVP_PKEY* native_handle() const noexcept { return pkey_.get(); }

 private:
  struct free_pkey {
    void operator()(EVP_PKEY* p) const noexcept;
  };
  // Not noexcept: the shared_ptr allocates (std::bad_alloc; the key is freed).
  explicit PrivateKey(EVP_PKEY* owned) : pkey_(owned, free_pkey{}) {}
  std::shared_ptr<EVP_PKEY> pkey_;
};

}  // namespace sslpp
