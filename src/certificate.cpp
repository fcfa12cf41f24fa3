#include <sslpp/certificate.hpp>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <sslpp/error.hpp>

#include "internal/error_queue.hpp"
#include "internal/handle.hpp"
#include "internal/pem.hpp"
#include "internal/python_text.hpp"

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
  unique_handle<BIO> bio(::BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (!bio) {
    throw_openssl_error("BIO_new_mem_buf");
  }
  return bio;
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
  if (!key) {
    throw_openssl_error("cannot load private key");
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
  if (certs.empty() || ::ERR_peek_error() != 0) {
    throw_error(take_error_queue(errc::invalid_argument, "no certificate could be read"));
  }
  return certs;
}

}  // namespace detail

namespace {

using detail::unique_handle;

// bio_to_string drains a memory BIO.
std::string bio_to_string(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

unique_handle<BIO> new_mem_bio() {
  unique_handle<BIO> bio(::BIO_new(::BIO_s_mem()));
  if (!bio) {
    detail::throw_openssl_error("BIO_new");
  }
  return bio;
}

std::string asn1_string(const ASN1_STRING* s) {
  return {reinterpret_cast<const char*>(::ASN1_STRING_get0_data(s)), static_cast<std::size_t>(::ASN1_STRING_length(s))};
}

// object_text is an OID's long name, or its dotted form when OpenSSL has no
// name for it (of any length: OBJ_obj2txt reports the length it needs).
std::string object_text(const ASN1_OBJECT* obj) {
  char buf[128];
  const int len = ::OBJ_obj2txt(buf, sizeof buf, obj, 0);
  if (len < 0) {
    detail::throw_openssl_error("cannot decode object identifier");
  }
  if (static_cast<std::size_t>(len) < sizeof buf) {
    return std::string(buf, static_cast<std::size_t>(len));
  }
  std::string big(static_cast<std::size_t>(len) + 1, '\0');
  ::OBJ_obj2txt(big.data(), len + 1, obj, 0);
  big.resize(static_cast<std::size_t>(len));
  return big;
}

// Python's _create_tuple_for_attribute: the long name (or dotted OID) and the
// value converted to UTF-8.
NameAttribute decode_attribute(const X509_NAME_ENTRY* entry) {
  NameAttribute attr;
  attr.first = object_text(::X509_NAME_ENTRY_get_object(entry));
  unsigned char* utf8 = nullptr;
  const int n = ::ASN1_STRING_to_UTF8(&utf8, ::X509_NAME_ENTRY_get_data(entry));
  if (n >= 0) {
    attr.second.assign(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(n));
    ::OPENSSL_free(utf8);
  } else {
    detail::throw_openssl_error("cannot decode name attribute");
  }
  return attr;
}

// Python's _create_tuple_for_X509_NAME: entries grouped by their RDN set.
DistinguishedName decode_name(const X509_NAME* name) {
  DistinguishedName dn;
  int last_set = -1;
  for (int i = 0; i < ::X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* entry = ::X509_NAME_get_entry(name, i);
    const int set = ::X509_NAME_ENTRY_set(entry);
    if (dn.empty() || set != last_set) {
      dn.emplace_back();
    }
    dn.back().push_back(decode_attribute(entry));
    last_set = set;
  }
  return dn;
}

// Python's _get_peer_alt_names: DNS, email and URI verbatim; IP addresses in
// Python's own format; DirName as a name; everything else as OpenSSL prints
// it, split at the first ':' into (type, value).
std::optional<std::vector<GeneralName>> decode_alt_names(X509* cert) {
  unique_handle<GENERAL_NAMES> names(
      static_cast<GENERAL_NAMES*>(::X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) {
    return std::nullopt;
  }
  std::vector<GeneralName> out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), i);
    GeneralName entry;
    switch (gn->type) {
      case GEN_DIRNAME:
        entry.type = "DirName";
        entry.dirname = decode_name(gn->d.directoryName);
        break;
      case GEN_EMAIL:
        entry.type = "email";
        entry.value = asn1_string(gn->d.rfc822Name);
        break;
      case GEN_DNS:
        entry.type = "DNS";
        entry.value = asn1_string(gn->d.dNSName);
        break;
      case GEN_URI:
        entry.type = "URI";
        entry.value = asn1_string(gn->d.uniformResourceIdentifier);
        break;
      case GEN_IPADD: {
        entry.type = "IP Address";
        const ASN1_OCTET_STRING* ip = gn->d.iPAddress;
        const unsigned char* p = ::ASN1_STRING_get0_data(ip);
        char buf[64];
        if (::ASN1_STRING_length(ip) == 4) {
          std::snprintf(buf, sizeof buf, "%d.%d.%d.%d", p[0], p[1], p[2], p[3]);
          entry.value = buf;
        } else if (::ASN1_STRING_length(ip) == 16) {
          std::snprintf(buf, sizeof buf, "%X:%X:%X:%X:%X:%X:%X:%X", p[0] << 8 | p[1], p[2] << 8 | p[3],
                        p[4] << 8 | p[5], p[6] << 8 | p[7], p[8] << 8 | p[9], p[10] << 8 | p[11], p[12] << 8 | p[13],
                        p[14] << 8 | p[15]);
          entry.value = buf;
        } else {
          entry.value = "<invalid>";
        }
        break;
      }
      default: {
        auto bio = new_mem_bio();
        ::GENERAL_NAME_print(bio.get(), const_cast<GENERAL_NAME*>(gn));
        const std::string text = bio_to_string(bio.get());
        const auto colon = text.find(':');
        entry.type = text.substr(0, colon);
        entry.value = colon == std::string::npos ? std::string() : text.substr(colon + 1);
        if (gn->type == GEN_RID) {
          entry.type = "Registered ID";
        }
        break;
      }
    }
    out.push_back(std::move(entry));
  }
  return out;
}

// Python's _get_aia_uri: URIs of one access method; no key when none.
std::optional<std::vector<std::string>> decode_aia(X509* cert, int method_nid) {
  unique_handle<AUTHORITY_INFO_ACCESS> info(
      static_cast<AUTHORITY_INFO_ACCESS*>(::X509_get_ext_d2i(cert, NID_info_access, nullptr, nullptr)));
  if (!info) {
    return std::nullopt;
  }
  std::vector<std::string> uris;
  for (int i = 0; i < sk_ACCESS_DESCRIPTION_num(info.get()); ++i) {
    const ACCESS_DESCRIPTION* ad = sk_ACCESS_DESCRIPTION_value(info.get(), i);
    if (::OBJ_obj2nid(ad->method) != method_nid || ad->location->type != GEN_URI) {
      continue;
    }
    uris.push_back(asn1_string(ad->location->d.uniformResourceIdentifier));
  }
  if (uris.empty()) {
    return std::nullopt;
  }
  return uris;
}

// Python's _get_crl_dp: the URIs of every distribution point's full name.
std::optional<std::vector<std::string>> decode_crl_dp(X509* cert) {
  unique_handle<CRL_DIST_POINTS> dps(
      static_cast<CRL_DIST_POINTS*>(::X509_get_ext_d2i(cert, NID_crl_distribution_points, nullptr, nullptr)));
  if (!dps) {
    return std::nullopt;
  }
  std::vector<std::string> uris;
  for (int i = 0; i < sk_DIST_POINT_num(dps.get()); ++i) {
    const DIST_POINT* dp = sk_DIST_POINT_value(dps.get(), i);
    if (dp->distpoint == nullptr || dp->distpoint->type != 0) {
      continue;
    }
    const GENERAL_NAMES* gns = dp->distpoint->name.fullname;
    for (int j = 0; j < sk_GENERAL_NAME_num(gns); ++j) {
      const GENERAL_NAME* gn = sk_GENERAL_NAME_value(gns, j);
      if (gn->type == GEN_URI) {
        uris.push_back(asn1_string(gn->d.uniformResourceIdentifier));
      }
    }
  }
  if (uris.empty()) {
    return std::nullopt;
  }
  return uris;
}

std::string print_time(const ASN1_TIME* t) {
  auto bio = new_mem_bio();
  ::ASN1_TIME_print(bio.get(), t);
  return bio_to_string(bio.get());
}

std::string print_serial(const ASN1_INTEGER* serial) {
  auto bio = new_mem_bio();
  ::i2a_ASN1_INTEGER(bio.get(), serial);
  return bio_to_string(bio.get());
}

void append_json_name(std::string& out, const DistinguishedName& dn) {
  out += '[';
  for (std::size_t i = 0; i < dn.size(); ++i) {
    out += i == 0 ? "[" : ", [";
    for (std::size_t j = 0; j < dn[i].size(); ++j) {
      out += j == 0 ? "[" : ", [";
      out += json_quote(dn[i][j].first);
      out += ", ";
      out += json_quote(dn[i][j].second);
      out += ']';
    }
    out += ']';
  }
  out += ']';
}

void append_json_strings(std::string& out, const std::vector<std::string>& v) {
  out += '[';
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i != 0) {
      out += ", ";
    }
    out += json_quote(v[i]);
  }
  out += ']';
}

}  // namespace

std::string json_quote(std::string_view s) {
  // As Python's json.dumps(ensure_ascii=False): text stays UTF-8, control
  // characters are escaped. Bytes that are not UTF-8 (certificates may hold
  // anything) become "\udcXX", the surrogateescape code point Python would
  // give them, so the output is always valid JSON and loses nothing.
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (const char32_t cp : detail::decode_surrogateescape(s)) {
    char buf[8];
    switch (cp) {
      case U'"':
        out += "\\\"";
        break;
      case U'\\':
        out += "\\\\";
        break;
      case U'\n':
        out += "\\n";
        break;
      case U'\r':
        out += "\\r";
        break;
      case U'\t':
        out += "\\t";
        break;
      case U'\b':
        out += "\\b";
        break;
      case U'\f':
        out += "\\f";
        break;
      default:
        if (cp < 0x20 || (cp >= 0xDC80 && cp <= 0xDCFF)) {
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
          out += buf;
        } else {
          out += detail::encode_surrogateescape(std::u32string_view(&cp, 1));
        }
    }
  }
  out += '"';
  return out;
}

std::string CertInfo::to_json() const {
  if (is_empty) {
    return "{}";
  }
  std::string out = "{\"subject\": ";
  append_json_name(out, subject);
  out += ", \"issuer\": ";
  append_json_name(out, issuer);
  out += ", \"version\": " + std::to_string(version);
  out += ", \"serialNumber\": " + json_quote(serialNumber);
  out += ", \"notBefore\": " + json_quote(notBefore);
  out += ", \"notAfter\": " + json_quote(notAfter);
  if (subjectAltName) {
    out += ", \"subjectAltName\": [";
    for (std::size_t i = 0; i < subjectAltName->size(); ++i) {
      const GeneralName& gn = (*subjectAltName)[i];
      out += i == 0 ? "[" : ", [";
      out += json_quote(gn.type) + ", ";
      if (gn.type == "DirName") {
        append_json_name(out, gn.dirname);
      } else {
        out += json_quote(gn.value);
      }
      out += ']';
    }
    out += ']';
  }
  const std::pair<const char*, const std::optional<std::vector<std::string>>*> lists[] = {
      {"OCSP", &OCSP}, {"caIssuers", &caIssuers}, {"crlDistributionPoints", &crlDistributionPoints}};
  for (const auto& [key, list] : lists) {
    if (*list) {
      out += ", \"";
      out += key;
      out += "\": ";
      append_json_strings(out, **list);
    }
  }
  out += '}';
  return out;
}

// ---------------------------------------------------------------------------
// Certificate

void Certificate::free_x509::operator()(X509* p) const noexcept { ::X509_free(p); }

Certificate Certificate::from_pem(std::string_view pem) {
  auto certs = detail::parse_certificates(pem, FILETYPE_PEM, true);
  return Certificate(certs.front().release());
}

Certificate Certificate::from_der(std::span<const std::byte> der) {
  detail::clear_stale_errors();
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  unique_handle<X509> cert(::d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) {
    detail::throw_openssl_error("not a DER certificate");
  }
  return Certificate(cert.release());
}

Certificate Certificate::load(const std::filesystem::path& file, FileType type) {
  const std::string data = detail::read_file(file);
  auto certs = detail::parse_certificates(data, type, true);
  return Certificate(certs.front().release());
}

Certificate Certificate::from_native(X509* x509) { return Certificate(detail::up_ref(x509).release()); }

std::vector<std::byte> Certificate::der() const {
  const int len = ::i2d_X509(x509_.get(), nullptr);
  if (len < 0) {
    detail::throw_openssl_error("i2d_X509");
  }
  std::vector<std::byte> out(static_cast<std::size_t>(len));
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  ::i2d_X509(x509_.get(), &p);
  return out;
}

std::string Certificate::pem() const { return DER_cert_to_PEM_cert(der()); }

CertInfo Certificate::decode() const {
  X509* cert = x509_.get();
  CertInfo info;
  info.subject = decode_name(::X509_get_subject_name(cert));
  info.issuer = decode_name(::X509_get_issuer_name(cert));
  info.version = ::X509_get_version(cert) + 1;
  info.serialNumber = print_serial(::X509_get0_serialNumber(cert));
  info.notBefore = print_time(::X509_get0_notBefore(cert));
  info.notAfter = print_time(::X509_get0_notAfter(cert));
  info.subjectAltName = decode_alt_names(cert);
  info.OCSP = decode_aia(cert, NID_ad_OCSP);
  info.caIssuers = decode_aia(cert, NID_ad_ca_issuers);
  info.crlDistributionPoints = decode_crl_dp(cert);
  return info;
}

namespace {
std::string one_line(const X509_NAME* name) {
  auto bio = new_mem_bio();
  ::X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253);
  return bio_to_string(bio.get());
}
}  // namespace

std::string Certificate::subject_name() const { return one_line(::X509_get_subject_name(x509_.get())); }
std::string Certificate::issuer_name() const { return one_line(::X509_get_issuer_name(x509_.get())); }

std::string Certificate::sha256_fingerprint() const {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (::X509_digest(x509_.get(), ::EVP_sha256(), md, &len) != 1) {
    detail::throw_openssl_error("X509_digest");
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 0xF];
  }
  return out;
}

bool operator==(const Certificate& a, const Certificate& b) noexcept {
  return ::X509_cmp(a.x509_.get(), b.x509_.get()) == 0;
}

// ---------------------------------------------------------------------------
// PrivateKey

void PrivateKey::free_pkey::operator()(EVP_PKEY* p) const noexcept { ::EVP_PKEY_free(p); }

PrivateKey PrivateKey::from_pem(std::string_view pem, std::string_view password) {
  detail::password_source source{[password](int, bool) { return std::string(password); }, nullptr};
  return PrivateKey(detail::parse_private_key(pem, FILETYPE_PEM, &source).release());
}

PrivateKey PrivateKey::from_der(std::span<const std::byte> der) {
  const std::string_view data(reinterpret_cast<const char*>(der.data()), der.size());
  return PrivateKey(detail::parse_private_key(data, FILETYPE_ASN1, nullptr).release());
}

PrivateKey PrivateKey::load(const std::filesystem::path& file, FileType type, std::string_view password) {
  const std::string data = detail::read_file(file);
  if (type == FILETYPE_ASN1) {
    return from_der(std::as_bytes(std::span(data)));
  }
  return from_pem(data, password);
}

PrivateKey PrivateKey::from_native(EVP_PKEY* pkey) { return PrivateKey(detail::up_ref(pkey).release()); }

std::string PrivateKey::pem(std::string_view password) const {
  auto bio = new_mem_bio();
  const EVP_CIPHER* cipher = password.empty() ? nullptr : ::EVP_aes_256_cbc();
  auto* pw = reinterpret_cast<unsigned char*>(const_cast<char*>(password.data()));
  if (::PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey_.get(), cipher, reinterpret_cast<char*>(pw),
                                      static_cast<int>(password.size()), nullptr, nullptr) != 1) {
    detail::throw_openssl_error("PEM_write_bio_PKCS8PrivateKey");
  }
  return bio_to_string(bio.get());
}

std::string PrivateKey::type_name() const {
  const char* name = ::EVP_PKEY_get0_type_name(pkey_.get());
  return name != nullptr ? name : "";
}

int PrivateKey::bits() const noexcept { return ::EVP_PKEY_get_bits(pkey_.get()); }

// ---------------------------------------------------------------------------
// PEM <-> DER

namespace {
constexpr std::string_view kPemHeader = "-----BEGIN CERTIFICATE-----";
constexpr std::string_view kPemFooter = "-----END CERTIFICATE-----";
}  // namespace

std::string DER_cert_to_PEM_cert(std::span<const std::byte> der) {
  // Python: base64 of the DER, wrapped at 64 columns, between the markers.
  if (der.size() > static_cast<std::size_t>(INT_MAX) / 4 * 3) {
    throw ValueError("certificate larger than 1.5 GiB");
  }
  std::string b64(4 * ((der.size() + 2) / 3) + 1, '\0');
  const int n = ::EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                                  reinterpret_cast<const unsigned char*>(der.data()), static_cast<int>(der.size()));
  b64.resize(static_cast<std::size_t>(n));
  std::string out(kPemHeader);
  out += '\n';
  for (std::size_t i = 0; i < b64.size(); i += 64) {
    out += b64.substr(i, 64);
    out += '\n';
  }
  out += kPemFooter;
  out += '\n';
  return out;
}

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
