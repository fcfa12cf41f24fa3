// secret_text: a std::string holding a secret (a private key's PEM text, a
// passphrase) that is wiped when it goes out of scope.
#pragma once

#include <string>
#include <utility>

#include <openssl/crypto.h>

namespace sslpp::detail {

class secret_text {
 public:
  explicit secret_text(std::string text) noexcept : text_(std::move(text)) {}
  secret_text(const secret_text&) = delete;
  secret_text& operator=(const secret_text&) = delete;
  // The whole capacity: a string may keep old bytes past its size.
  ~secret_text() { ::OPENSSL_cleanse(text_.data(), text_.capacity()); }
  [[nodiscard]] const std::string& str() const noexcept { return text_; }

 private:
  std::string text_;
};

}  // namespace sslpp::detail
