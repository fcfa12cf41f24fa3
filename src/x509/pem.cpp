#include <climits>
#include <cstring>
#include <fstream>
#include <iterator>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <sslpp/certificate.hpp>
#include <sslpp/error.hpp>

#include "internal/error_queue.hpp"
#include "x509/pem.hpp"

namespace sslpp {

namespace detail {

int password_trampoline(char* buf, int size, int rwflag, void* userdata) noexcept {
  auto* source = static_cast<password_source*>(userdata);
  if (source == nullptr || !source->provide) {
    return -1;  // no password available: OpenSSL fails the decrypt cleanly
  }
  try {
    std::string pw = source->provide(size, rwflag != 0);
    if (pw.size() > static_cast<std::size_t>(size)) {
      ::OPENSSL_cleanse(pw.data(), pw.size());
      throw ValueError("password cannot be longer than " + std::to_string(size) + " bytes");
    }
    std::memcpy(buf, pw.data(), pw.size());
    ::OPENSSL_cleanse(pw.data(), pw.size());
    return static_cast<int>(pw.size());
  } catch (...) {
    source->error = std::current_exception();
    return -1;
  }
}

std::string read_file(const std::filesystem::path& path) {
  require_readable_file(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw_os_error(errno != 0 ? errno : EIO, path);
  }
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

unique_handle<BIO> memory_bio(std::string_view data) {
  if (data.size() > static_cast<std::size_t>(INT_MAX)) {
    throw ValueError("input larger than 2 GiB");
  }
  // An empty view may have no data pointer, which BIO_new_mem_buf refuses
  // as a null parameter: empty input is a decoding failure, not that.
  unique_handle<BIO> bio(::BIO_new_mem_buf(data.empty() ? "" : data.data(), static_cast<int>(data.size())));
  if (!bio) {
    throw_openssl_error("BIO_new_mem_buf");
  }
  return bio;
}

void refuse_trailing_bytes(std::size_t trailing, const char* what) {
  if (trailing == 0) {
    return;
  }
  // One object was asked for: bytes after it are a malformed input (a
  // concatenation, or a length field that lies), not something to ignore.
  ERR_raise_data(ERR_LIB_ASN1, ASN1_R_TOO_LONG, "%zu bytes after the DER %s", trailing, what);
  throw_openssl_error(std::string("trailing bytes after the DER ") + what);
}

unique_handle<EVP_PKEY> parse_private_key(std::string_view data, FileType type, password_source* source) {
  clear_stale_errors();
  auto bio = memory_bio(data);
  unique_handle<EVP_PKEY> key(type == FILETYPE_PEM
                                  ? ::PEM_read_bio_PrivateKey(bio.get(), nullptr, &password_trampoline, source)
                                  : ::d2i_PrivateKey_bio(bio.get(), nullptr));
  if (source != nullptr && source->error) {
    ::ERR_clear_error();
    std::rethrow_exception(source->error);
  }
  if (!key && ::ERR_peek_error() == 0) {
    // Some malformed DER fails without a queue entry: name it as OpenSSL's
    // decoder would, so it is an SSLError like every other malformed key.
    ERR_raise_data(ERR_LIB_ASN1, ASN1_R_HEADER_TOO_LONG, "no private key in the input");
  }
  if (!key) {
    throw_openssl_error("cannot load private key");
  }
  if (type == FILETYPE_ASN1) {
    refuse_trailing_bytes(static_cast<std::size_t>(BIO_pending(bio.get())), "private key");
  }
  return key;
}

std::vector<unique_handle<X509>> parse_certificates(std::string_view data, FileType type, bool first_only) {
  clear_stale_errors();
  std::vector<unique_handle<X509>> certs;
  auto bio = memory_bio(data);
  for (;;) {
    // A null password source: an "encrypted" certificate block fails
    // instead of OpenSSL prompting on the terminal.
    unique_handle<X509> cert(type == FILETYPE_PEM
                                 ? ::PEM_read_bio_X509(bio.get(), nullptr, &password_trampoline, nullptr)
                                 : ::d2i_X509_bio(bio.get(), nullptr));
    if (!cert) {
      break;
    }
    certs.push_back(std::move(cert));
    if (first_only && type == FILETYPE_ASN1) {
      refuse_trailing_bytes(static_cast<std::size_t>(BIO_pending(bio.get())), "certificate");
    }
    if (first_only || (type == FILETYPE_ASN1 && BIO_eof(bio.get()) != 0)) {
      break;
    }
  }
  const unsigned long err = ::ERR_peek_last_error();
  // Running out of PEM blocks after at least one certificate is the normal end.
  if (!certs.empty() && type == FILETYPE_PEM && ERR_GET_LIB(err) == ERR_LIB_PEM &&
      ERR_GET_REASON(err) == PEM_R_NO_START_LINE) {
    ::ERR_clear_error();
  }
  if (certs.empty() && ::ERR_peek_error() == 0) {
    // Empty DER input fails without a queue entry; name the failure as
    // OpenSSL's own decoder would, so it is an SSLError like every other
    // malformed input.
    ERR_raise_data(ERR_LIB_ASN1, ASN1_R_HEADER_TOO_LONG, "no certificate in the input");
  }
  if (type == FILETYPE_ASN1 && !certs.empty() && ::ERR_peek_error() != 0) {
    throw_error(take_error_queue(errc::invalid_argument, "bytes after the DER certificates are not a certificate"));
  }
  if (certs.empty() || ::ERR_peek_error() != 0) {
    throw_error(take_error_queue(errc::invalid_argument, "no certificate could be read"));
  }
  return certs;
}

}  // namespace detail

// ---------------------------------------------------------------------------
// PEM <-> DER

namespace {
constexpr std::string_view kPemHeader = "-----BEGIN CERTIFICATE-----";
constexpr std::string_view kPemFooter = "-----END CERTIFICATE-----";
}  // namespace

namespace detail {

std::string der_to_pem(std::span<const std::byte> der, std::string_view label) {
  // Python's DER_cert_to_PEM_cert: base64 of the DER, wrapped at 64
  // columns, between the markers.
  if (der.size() > static_cast<std::size_t>(INT_MAX) / 4 * 3) {
    throw ValueError("DER data larger than 1.5 GiB");
  }
  std::string b64(4 * ((der.size() + 2) / 3) + 1, '\0');
  const int n = ::EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                                  reinterpret_cast<const unsigned char*>(der.data()), static_cast<int>(der.size()));
  b64.resize(static_cast<std::size_t>(n));
  std::string out = "-----BEGIN ";
  out.append(label).append("-----\n");
  for (std::size_t i = 0; i < b64.size(); i += 64) {
    out.append(b64, i, 64);
    out += '\n';
  }
  out.append("-----END ").append(label).append("-----\n");
  return out;
}

}  // namespace detail

std::string DER_cert_to_PEM_cert(std::span<const std::byte> der) { return detail::der_to_pem(der, "CERTIFICATE"); }

namespace {

// python_strip is str.strip() for ASCII text.
std::string_view python_strip(std::string_view s) {
  constexpr std::string_view ws = " \t\n\r\v\f";
  const auto first = s.find_first_not_of(ws);
  if (first == std::string_view::npos) {
    return {};
  }
  return s.substr(first, s.find_last_not_of(ws) - first + 1);
}

int base64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '+') {
    return 62;
  }
  if (c == '/') {
    return 63;
  }
  return -1;
}

// decode_base64_like_python follows binascii.a2b_base64 in its default
// (non-strict) mode: characters outside the alphabet are skipped, enough
// padding ends the input, and a dangling partial quantum is an error.
std::vector<std::byte> decode_base64_like_python(std::string_view text) {
  std::vector<std::byte> out;
  out.reserve(text.size() / 4 * 3);
  int quad_pos = 0;
  int pads = 0;
  unsigned left = 0;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80) {
      throw ValueError("Invalid PEM encoding; not ASCII");
    }
    if (c == '=') {
      if (quad_pos >= 2 && quad_pos + ++pads >= 4) {
        return out;
      }
      continue;
    }
    const int v = base64_value(c);
    if (v < 0) {
      continue;
    }
    pads = 0;
    const auto bits = static_cast<unsigned>(v);
    switch (quad_pos) {
      case 0:
        left = bits;
        break;
      case 1:
        out.push_back(static_cast<std::byte>(((left << 2) | (bits >> 4)) & 0xFF));
        left = bits & 0x0F;
        break;
      case 2:
        out.push_back(static_cast<std::byte>(((left << 4) | (bits >> 2)) & 0xFF));
        left = bits & 0x03;
        break;
      default:
        out.push_back(static_cast<std::byte>(((left << 6) | bits) & 0xFF));
        left = 0;
        break;
    }
    quad_pos = (quad_pos + 1) % 4;
  }
  if (quad_pos == 1) {
    throw ValueError("Invalid PEM encoding; base64 data cannot be 1 more than a multiple of 4 characters");
  }
  if (quad_pos != 0) {
    throw ValueError("Invalid PEM encoding; incorrect base64 padding");
  }
  return out;
}

}  // namespace

std::vector<std::byte> PEM_cert_to_DER_cert(std::string_view pem) {
  // Python: the text must start with the header (no leading whitespace) and,
  // stripped, end with the footer; what lies between is base64.
  if (!pem.starts_with(kPemHeader)) {
    throw ValueError("Invalid PEM encoding; must start with " + std::string(kPemHeader));
  }
  const std::string_view stripped = python_strip(pem);
  if (!stripped.ends_with(kPemFooter) || stripped.size() < kPemHeader.size() + kPemFooter.size()) {
    throw ValueError("Invalid PEM encoding; must end with " + std::string(kPemFooter));
  }
  return decode_base64_like_python(
      stripped.substr(kPemHeader.size(), stripped.size() - kPemHeader.size() - kPemFooter.size()));
}

}  // namespace sslpp
