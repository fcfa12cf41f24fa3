#include <sslpp/certificate.hpp>

#include <climits>

#include <cstdio>
#include <ctime>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <sslpp/error.hpp>

#include "internal/error_queue.hpp"
#include "internal/handle.hpp"
#include "x509/pem.hpp"
#include "x509/x509_text.hpp"

namespace sslpp {

namespace {

using detail::unique_handle;

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
        entry.dirname = detail::decode_name(gn->d.directoryName);
        break;
      case GEN_EMAIL:
        entry.type = "email";
        entry.value = detail::asn1_bytes(gn->d.rfc822Name);
        break;
      case GEN_DNS:
        entry.type = "DNS";
        entry.value = detail::asn1_bytes(gn->d.dNSName);
        break;
      case GEN_URI:
        entry.type = "URI";
        entry.value = detail::asn1_bytes(gn->d.uniformResourceIdentifier);
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
        auto bio = detail::new_mem_bio();
        ::GENERAL_NAME_print(bio.get(), const_cast<GENERAL_NAME*>(gn));
        const std::string text = detail::bio_text(bio.get());
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
    uris.push_back(detail::asn1_bytes(ad->location->d.uniformResourceIdentifier));
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
        uris.push_back(detail::asn1_bytes(gn->d.uniformResourceIdentifier));
      }
    }
  }
  if (uris.empty()) {
    return std::nullopt;
  }
  return uris;
}

}  // namespace

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
  detail::refuse_trailing_bytes(der.size() - static_cast<std::size_t>(p - reinterpret_cast<const unsigned char*>(der.data())),
                                "certificate");
  return Certificate(cert.release());
}

Certificate Certificate::load(const std::filesystem::path& file, FileType type) {
  const std::string data = detail::read_file(file);
  auto certs = detail::parse_certificates(data, type, true);
  return Certificate(certs.front().release());
}

Certificate Certificate::from_native(X509* x509) { return Certificate(detail::up_ref(x509).release()); }

std::vector<std::byte> Certificate::der() const { return detail::i2d_bytes(x509_.get(), &::i2d_X509, "i2d_X509"); }

std::string Certificate::pem() const { return DER_cert_to_PEM_cert(der()); }

CertInfo Certificate::decode() const {
  X509* cert = x509_.get();
  CertInfo info;
  info.subject = detail::decode_name(::X509_get_subject_name(cert));
  info.issuer = detail::decode_name(::X509_get_issuer_name(cert));
  info.version = version();
  info.serialNumber = serial_number();
  info.notBefore = detail::print_time(::X509_get0_notBefore(cert));
  info.notAfter = detail::print_time(::X509_get0_notAfter(cert));
  info.subjectAltName = decode_alt_names(cert);
  info.OCSP = decode_aia(cert, NID_ad_OCSP);
  info.caIssuers = decode_aia(cert, NID_ad_ca_issuers);
  info.crlDistributionPoints = decode_crl_dp(cert);
  return info;
}

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

Name Certificate::subject() const { return Name::from_native(::X509_get_subject_name(x509_.get())); }
Name Certificate::issuer() const { return Name::from_native(::X509_get_issuer_name(x509_.get())); }

long Certificate::version() const noexcept {
  // The field is whatever the certificate says: a hostile one may say
  // LONG_MAX, where adding one would be undefined behaviour. It saturates.
  const long field = ::X509_get_version(x509_.get());
  return field < LONG_MAX ? field + 1 : LONG_MAX;
}

std::string Certificate::serial_number() const { return detail::print_serial(::X509_get0_serialNumber(x509_.get())); }

namespace {
std::chrono::sys_seconds to_sys_seconds(const ASN1_TIME* t) {
  // ASN1_TIME_to_tm accepts only well-formed UTCTime/GeneralizedTime; the
  // broken-down time is UTC, so timegm (not mktime) turns it into seconds.
  std::tm tm{};
  if (t == nullptr || ::ASN1_TIME_to_tm(t, &tm) != 1) {
    ERR_raise(ERR_LIB_ASN1, ASN1_R_ILLEGAL_TIME_VALUE);
    detail::throw_openssl_error("the certificate's validity time is malformed");
  }
  return std::chrono::sys_seconds(std::chrono::seconds(::timegm(&tm)));
}
}  // namespace

std::chrono::sys_seconds Certificate::not_before() const { return to_sys_seconds(::X509_get0_notBefore(x509_.get())); }
std::chrono::sys_seconds Certificate::not_after() const { return to_sys_seconds(::X509_get0_notAfter(x509_.get())); }

bool Certificate::has_expired() const {
  return not_after() < std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::vector<Extension> Certificate::extensions() const {
  std::vector<Extension> out;
  for (int i = 0; i < ::X509_get_ext_count(x509_.get()); ++i) {
    X509_EXTENSION* ext = ::X509_get_ext(x509_.get(), i);
    const ASN1_OBJECT* obj = ::X509_EXTENSION_get_object(ext);
    const std::string value = detail::asn1_bytes(::X509_EXTENSION_get_data(ext));
    auto bio = detail::new_mem_bio();
    // An extension OpenSSL cannot print (unknown, or malformed inside) is
    // shown as a hex dump, as `openssl x509 -text` does.
    if (::X509V3_EXT_print(bio.get(), ext, X509V3_EXT_DUMP_UNKNOWN, 0) != 1) {
      ::ERR_clear_error();
      ::ASN1_STRING_print(bio.get(), ::X509_EXTENSION_get_data(ext));
    }
    const auto* bytes = reinterpret_cast<const std::byte*>(value.data());
    out.push_back({detail::object_dotted(obj), detail::object_short_name(obj), ::X509_EXTENSION_get_critical(ext) != 0,
                   std::vector<std::byte>(bytes, bytes + value.size()), detail::bio_text(bio.get())});
  }
  return out;
}

PublicKey Certificate::public_key() const {
  detail::clear_stale_errors();
  EVP_PKEY* key = ::X509_get0_pubkey(x509_.get());
  if (key == nullptr) {
    detail::throw_openssl_error("the certificate's public key cannot be decoded");
  }
  return PublicKey::from_native(key);
}

std::string Certificate::signature_algorithm() const {
  const X509_ALGOR* alg = nullptr;
  ::X509_get0_signature(nullptr, &alg, x509_.get());
  const ASN1_OBJECT* obj = nullptr;
  ::X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
  return detail::object_long_name(obj);
}

bool operator==(const Certificate& a, const Certificate& b) noexcept {
  return ::X509_cmp(a.x509_.get(), b.x509_.get()) == 0;
}

}  // namespace sslpp
