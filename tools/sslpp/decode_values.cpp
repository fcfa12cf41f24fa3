#include "decode_values.hpp"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/err.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <new>

namespace sslpp::cli {

namespace {

void free_openssl_string(char* p) { ::OPENSSL_free(p); }
using owned_string = owned<char, free_openssl_string>;

std::string address_text(int family, const unsigned char* p) {
  char buf[INET6_ADDRSTRLEN];
  const char* text = ::inet_ntop(family, p, buf, sizeof buf);
  return text != nullptr ? text : "(invalid)";
}

std::string ip_text(const ASN1_OCTET_STRING* ip) {
  const unsigned char* p = ::ASN1_STRING_get0_data(ip);
  const int n = ::ASN1_STRING_length(ip);
  // 8 and 32 bytes are an address and its mask, in name constraints.
  if (n == 4 || n == 8) {
    const std::string out = address_text(AF_INET, p);
    return n == 8 ? out + "/" + address_text(AF_INET, p + 4) : out;
  }
  if (n == 16 || n == 32) {
    const std::string out = address_text(AF_INET6, p);
    return n == 32 ? out + "/" + address_text(AF_INET6, p + 16) : out;
  }
  return "(invalid, " + dump(ip) + ")";
}

}  // namespace

std::string bio_text(BIO* bio) {
  const char* data = nullptr;
  const long len = ::BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

owned<BIO, BIO_free_all> mem_bio() {
  owned<BIO, BIO_free_all> bio(::BIO_new(::BIO_s_mem()));
  if (!bio) {
    throw std::bad_alloc();
  }
  return bio;
}

std::string bytes_of(const ASN1_STRING* s) {
  return {reinterpret_cast<const char*>(::ASN1_STRING_get0_data(s)), static_cast<std::size_t>(::ASN1_STRING_length(s))};
}

// colon_hex is "AB:CD:EF", as OpenSSL prints key identifiers and fingerprints.
std::string colon_hex(const unsigned char* p, std::size_t n) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += i == 0 ? "" : ":";
    out += kHex[p[i] >> 4];
    out += kHex[p[i] & 0xF];
  }
  return out;
}

// dump is up to 64 bytes of an opaque value in hex, for what nothing
// decodes (an unknown or malformed extension).
std::string dump(const ASN1_STRING* s) {
  constexpr std::size_t kShown = 64;
  const auto n = static_cast<std::size_t>(::ASN1_STRING_length(s));
  std::string out = std::to_string(n) + " bytes: " + colon_hex(::ASN1_STRING_get0_data(s), std::min(n, kShown));
  return n > kShown ? out + ":..." : out;
}

// object_name is an OID's long name, or its dotted form when OpenSSL has none.
std::string object_name(const ASN1_OBJECT* obj) {
  char buf[128];
  const int n = ::OBJ_obj2txt(buf, sizeof buf, obj, 0);
  if (n <= 0) {
    return "(bad OID)";
  }
  return n < static_cast<int>(sizeof buf) ? std::string(buf, static_cast<std::size_t>(n)) : std::string(buf);
}

std::string name_text(const X509_NAME* name) {
  if (name == nullptr || ::X509_NAME_entry_count(name) == 0) {
    return "(empty)";
  }
  auto bio = mem_bio();
  // OpenSSL's one-line form ("C = GB, O = sslpp, CN = x"), with UTF-8 kept
  // as UTF-8 rather than \XX escapes; terminal_text makes it safe.
  constexpr unsigned long kFlags = (XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB) | ASN1_STRFLGS_UTF8_CONVERT;
  ::X509_NAME_print_ex(bio.get(), name, 0, kFlags);
  return bio_text(bio.get());
}

// utc_text is "2026-12-06 22:11:38 UTC"; a malformed time says so.
std::string utc_text(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ::ASN1_TIME_to_tm(t, &tm) != 1) {
    ::ERR_clear_error();
    return t == nullptr ? "(none)" : "(malformed time: " + bytes_of(t) + ")";
  }
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

// number_text is decimal up to 128 bits and hex above, as OpenSSL's own
// printer does: turning a hostile megabyte-long integer into decimal takes
// quadratic time, and its decimal form helps nobody.
std::string number_text(const BIGNUM* bn) {
  const bool small = ::BN_num_bits(bn) <= 128;
  const owned_string text(small ? ::BN_bn2dec(bn) : ::BN_bn2hex(bn));
  if (!text) {
    throw std::bad_alloc();
  }
  return (small ? "" : "0x") + std::string(text.get());
}

std::string integer_text(const ASN1_INTEGER* n) {
  const owned<BIGNUM, BN_free> bn(::ASN1_INTEGER_to_BN(n, nullptr));
  if (!bn) {
    ::ERR_clear_error();
    return "(malformed integer)";
  }
  return number_text(bn.get());
}

std::string version_text(long field) {
  // The field is what the input says; a hostile one may say LONG_MAX.
  return field >= 0 && field < 100 ? std::to_string(field + 1) + " (0x" + std::to_string(field) + ")"
                                   : "(invalid: " + std::to_string(field) + ")";
}

std::string algorithm_text(const X509_ALGOR* alg) {
  const ASN1_OBJECT* obj = nullptr;
  ::X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
  return obj != nullptr ? object_name(obj) : "(none)";
}

std::string general_name(const GENERAL_NAME* gn) {
  switch (gn->type) {
    case GEN_DNS:
      return "DNS:" + bytes_of(gn->d.dNSName);
    case GEN_EMAIL:
      return "email:" + bytes_of(gn->d.rfc822Name);
    case GEN_URI:
      return "URI:" + bytes_of(gn->d.uniformResourceIdentifier);
    case GEN_IPADD:
      return "IP Address:" + ip_text(gn->d.iPAddress);
    case GEN_DIRNAME:
      return "DirName:" + name_text(gn->d.directoryName);
    case GEN_RID:
      return "Registered ID:" + object_name(gn->d.registeredID);
    case GEN_OTHERNAME: {
      const ASN1_TYPE* v = gn->d.otherName->value;
      const bool text = v->type == V_ASN1_UTF8STRING || v->type == V_ASN1_IA5STRING ||
                        v->type == V_ASN1_PRINTABLESTRING || v->type == V_ASN1_VISIBLESTRING;
      return "othername:" + object_name(gn->d.otherName->type_id) + ":" +
             (text ? bytes_of(v->value.asn1_string)
                   : std::string("(a value of ASN.1 type ") + std::to_string(v->type) + ")");
    }
    default:
      return "(a name of type " + std::to_string(gn->type) + ", not shown)";
  }
}

Lines general_names(const GENERAL_NAMES* names, std::string_view prefix) {
  Lines out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    out.push_back(std::string(prefix) + general_name(sk_GENERAL_NAME_value(names, i)));
  }
  return out;
}

std::string serial_hex(const ASN1_INTEGER* serial) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  const unsigned char* p = ::ASN1_STRING_get0_data(serial);
  const int n = ::ASN1_STRING_length(serial);
  std::string out = ::ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER ? "-" : "";
  if (n <= 0) {
    return out + "00";
  }
  for (int i = 0; i < n; ++i) {
    out += kHex[p[i] >> 4];
    out += kHex[p[i] & 0xF];
  }
  return out;
}

std::string terminal_text(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  const auto escape = [&](unsigned char c) {
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  };
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    // A UTF-8 sequence: its length from the lead byte, then the code point,
    // refusing overlong forms, surrogates and values above U+10FFFF.
    const std::size_t len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    char32_t cp = len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
    bool valid = len != 0 && i + len <= s.size();
    for (std::size_t k = 1; valid && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      valid = (cc & 0xC0) == 0x80;
      cp = cp << 6 | (cc & 0x3F);
    }
    const std::array<char32_t, 3> kMinimum{0x80, 0x800, 0x10000};
    valid = valid && cp >= kMinimum[len - 2] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    // C1 controls; bidirectional overrides and isolates; line and
    // paragraph separators: each can make text show other than it is.
    const bool control = (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
                         (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029 || cp == 0x200E ||
                         cp == 0x200F || cp == 0x061C;
    if (!valid || control) {
      escape(c);
      ++i;
      continue;
    }
    out.append(s.substr(i, len));
    i += len;
  }
  return out;
}

}  // namespace sslpp::cli
