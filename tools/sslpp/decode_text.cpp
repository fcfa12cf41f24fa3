#include "decode_text.hpp"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ct.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <new>
#include <ostream>
#include <span>
#include <type_traits>
#include <variant>
#include <vector>

namespace sslpp::cli {

namespace {

using Lines = std::vector<std::string>;

// Text writes lines at a depth; every line passes through terminal_text.
class Text {
 public:
  explicit Text(std::ostream& out) : out_(out) {}
  void line(int depth, std::string_view text) {
    out_ << std::string(static_cast<std::size_t>(depth) * 2, ' ') << terminal_text(text) << '\n';
  }
  void lines(int depth, const Lines& items) {
    for (const std::string& item : items) {
      line(depth, item);
    }
  }

 private:
  std::ostream& out_;
};

// ---------------------------------------------------------------------------
// Small values

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

void free_openssl_string(char* p) { ::OPENSSL_free(p); }
using owned_string = owned<char, free_openssl_string>;

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

// ---------------------------------------------------------------------------
// Keys

std::string key_text(EVP_PKEY* key) {
  if (key == nullptr) {
    ::ERR_clear_error();
    return "(not decodable by OpenSSL)";
  }
  const char* type = ::EVP_PKEY_get0_type_name(key);
  std::string out =
      std::string(type != nullptr ? type : "unknown type") + ", " + std::to_string(::EVP_PKEY_get_bits(key)) + " bits";
  char group[80];
  std::size_t group_len = 0;
  if (::EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &group_len) == 1) {
    out += ", curve " + std::string(group, group_len);
  }
  BIGNUM* e = nullptr;
  if (::EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e) == 1) {
    const owned<BIGNUM, BN_free> exponent(e);
    out += ", exponent " + number_text(exponent.get());
  }
  ::ERR_clear_error();
  return out;
}

void print_key(Text& t, int depth, const X509_PUBKEY* pub, EVP_PKEY* key) {
  ASN1_OBJECT* alg = nullptr;
  if (pub != nullptr) {
    ::X509_PUBKEY_get0_param(&alg, nullptr, nullptr, nullptr, pub);
  }
  t.line(depth, "Public Key:");
  t.line(depth + 1, "Algorithm: " + (alg != nullptr ? object_name(alg) : std::string("(none)")));
  t.line(depth + 1, "Key: " + key_text(key));
}

// ---------------------------------------------------------------------------
// General names

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

Lines general_names(const GENERAL_NAMES* names, std::string_view prefix = {}) {
  Lines out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    out.push_back(std::string(prefix) + general_name(sk_GENERAL_NAME_value(names, i)));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Extensions: each known one decoded by OpenSSL and laid out here.

template <typename T, auto Free>
owned<T, Free> decoded(X509_EXTENSION* ext) {
  return owned<T, Free>(static_cast<T*>(::X509V3_EXT_d2i(ext)));
}

// malformed is what a known extension that does not decode shows.
Lines malformed(X509_EXTENSION* ext) {
  ::ERR_clear_error();
  return {"(malformed, " + dump(::X509_EXTENSION_get_data(ext)) + ")"};
}

Lines bit_names(const ASN1_BIT_STRING* bits, std::span<const std::string_view> names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (::ASN1_BIT_STRING_get_bit(bits, static_cast<int>(i)) == 1) {
      out += (out.empty() ? "" : ", ") + std::string(names[i]);
    }
  }
  return {out.empty() ? "(none)" : out};
}

constexpr std::array<std::string_view, 9> kKeyUsage{"Digital Signature", "Non Repudiation", "Key Encipherment",
                                                    "Data Encipherment", "Key Agreement",   "Certificate Sign",
                                                    "CRL Sign",          "Encipher Only",   "Decipher Only"};

// RFC 5280's CRLReason values (a CRL entry's reason code).
constexpr std::array<std::string_view, 11> kReasons{"Unspecified",         "Key Compromise", "CA Compromise",
                                                    "Affiliation Changed", "Superseded",     "Cessation Of Operation",
                                                    "Certificate Hold",    "(7: unused)",    "Remove From CRL",
                                                    "Privilege Withdrawn", "AA Compromise"};

// RFC 5280's ReasonFlags bits (a distribution point's reasons), which
// differ from the codes from bit 7 on.
constexpr std::array<std::string_view, 9> kReasonFlags{
    "Unused",       "Key Compromise",         "CA Compromise",    "Affiliation Changed",
    "Superseded",   "Cessation Of Operation", "Certificate Hold", "Privilege Withdrawn",
    "AA Compromise"};

std::string reason_text(long code) {
  return code >= 0 && code < static_cast<long>(kReasons.size()) ? std::string(kReasons[static_cast<std::size_t>(code)])
                                                                : "(unknown reason " + std::to_string(code) + ")";
}

Lines basic_constraints(X509_EXTENSION* ext) {
  const auto bc = decoded<BASIC_CONSTRAINTS, BASIC_CONSTRAINTS_free>(ext);
  if (!bc) {
    return malformed(ext);
  }
  std::string out = bc->ca != 0 ? "CA:TRUE" : "CA:FALSE";
  if (bc->pathlen != nullptr) {
    out += ", pathlen:" + integer_text(bc->pathlen);
  }
  return {out};
}

Lines extended_key_usage(X509_EXTENSION* ext) {
  const auto eku = decoded<EXTENDED_KEY_USAGE, EXTENDED_KEY_USAGE_free>(ext);
  if (!eku) {
    return malformed(ext);
  }
  Lines out;
  for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
    out.push_back(object_name(sk_ASN1_OBJECT_value(eku.get(), i)));
  }
  return out;
}

Lines authority_key_id(X509_EXTENSION* ext) {
  const auto akid = decoded<AUTHORITY_KEYID, AUTHORITY_KEYID_free>(ext);
  if (!akid) {
    return malformed(ext);
  }
  Lines out;
  if (akid->keyid != nullptr) {
    out.push_back("keyid:" + colon_hex(::ASN1_STRING_get0_data(akid->keyid),
                                       static_cast<std::size_t>(::ASN1_STRING_length(akid->keyid))));
  }
  if (akid->issuer != nullptr) {
    for (std::string& name : general_names(akid->issuer, "issuer:")) {
      out.push_back(std::move(name));
    }
  }
  if (akid->serial != nullptr) {
    out.push_back("serial:" + serial_hex(akid->serial));
  }
  return out;
}

Lines policies(X509_EXTENSION* ext) {
  const auto pols = decoded<CERTIFICATEPOLICIES, CERTIFICATEPOLICIES_free>(ext);
  if (!pols) {
    return malformed(ext);
  }
  Lines out;
  for (int i = 0; i < sk_POLICYINFO_num(pols.get()); ++i) {
    const POLICYINFO* pol = sk_POLICYINFO_value(pols.get(), i);
    out.push_back("Policy: " + object_name(pol->policyid));
    for (int j = 0; j < sk_POLICYQUALINFO_num(pol->qualifiers); ++j) {
      const POLICYQUALINFO* q = sk_POLICYQUALINFO_value(pol->qualifiers, j);
      const int nid = ::OBJ_obj2nid(q->pqualid);
      if (nid == NID_id_qt_cps) {
        out.push_back("  CPS: " + bytes_of(q->d.cpsuri));
      } else if (nid == NID_id_qt_unotice && q->d.usernotice->exptext != nullptr) {
        out.push_back("  User Notice: " + bytes_of(q->d.usernotice->exptext));
      } else {
        out.push_back("  Qualifier: " + object_name(q->pqualid));
      }
    }
  }
  return out;
}

Lines crl_distribution_points(X509_EXTENSION* ext) {
  const auto dps = decoded<CRL_DIST_POINTS, CRL_DIST_POINTS_free>(ext);
  if (!dps) {
    return malformed(ext);
  }
  Lines out;
  for (int i = 0; i < sk_DIST_POINT_num(dps.get()); ++i) {
    const DIST_POINT* dp = sk_DIST_POINT_value(dps.get(), i);
    if (dp->distpoint != nullptr && dp->distpoint->type == 0) {
      for (std::string& name : general_names(dp->distpoint->name.fullname, "Full Name: ")) {
        out.push_back(std::move(name));
      }
    } else if (dp->distpoint != nullptr) {
      out.push_back("Relative Name: " + std::to_string(sk_X509_NAME_ENTRY_num(dp->distpoint->name.relativename)) +
                    " attributes");
    }
    if (dp->reasons != nullptr) {
      out.push_back("Reasons: " + bit_names(dp->reasons, kReasonFlags).front());
    }
    if (dp->CRLissuer != nullptr) {
      for (std::string& name : general_names(dp->CRLissuer, "CRL Issuer: ")) {
        out.push_back(std::move(name));
      }
    }
  }
  return out;
}

Lines info_access(X509_EXTENSION* ext) {
  const auto aia = decoded<AUTHORITY_INFO_ACCESS, AUTHORITY_INFO_ACCESS_free>(ext);
  if (!aia) {
    return malformed(ext);
  }
  Lines out;
  for (int i = 0; i < sk_ACCESS_DESCRIPTION_num(aia.get()); ++i) {
    const ACCESS_DESCRIPTION* ad = sk_ACCESS_DESCRIPTION_value(aia.get(), i);
    out.push_back(object_name(ad->method) + " - " + general_name(ad->location));
  }
  return out;
}

Lines name_constraints(X509_EXTENSION* ext) {
  const auto nc = decoded<NAME_CONSTRAINTS, NAME_CONSTRAINTS_free>(ext);
  if (!nc) {
    return malformed(ext);
  }
  Lines out;
  for (const auto& [label, subtrees] :
       {std::pair{"Permitted: ", nc->permittedSubtrees}, std::pair{"Excluded: ", nc->excludedSubtrees}}) {
    for (int i = 0; i < sk_GENERAL_SUBTREE_num(subtrees); ++i) {
      out.push_back(label + general_name(sk_GENERAL_SUBTREE_value(subtrees, i)->base));
    }
  }
  return out;
}

Lines signed_timestamps(X509_EXTENSION* ext) {
  const auto scts = decoded<STACK_OF(SCT), SCT_LIST_free>(ext);
  if (!scts) {
    return malformed(ext);
  }
  const int n = sk_SCT_num(scts.get());
  return {std::to_string(n) + " signed certificate timestamp" + (n == 1 ? "" : "s")};
}

// other_extension is one sslpp does not lay out: OpenSSL's own text when
// it knows the extension, else a hex dump.
Lines other_extension(X509_EXTENSION* ext) {
  if (::X509V3_EXT_get(ext) != nullptr) {
    auto bio = mem_bio();
    if (::X509V3_EXT_print(bio.get(), ext, 0, 0) == 1) {
      Lines out;
      const std::string text = bio_text(bio.get());
      std::size_t start = 0;
      while (start < text.size()) {
        const std::size_t nl = text.find('\n', start);
        const std::size_t stop = nl == std::string::npos ? text.size() : nl;
        std::string line = text.substr(start, stop - start);
        const std::size_t first = line.find_first_not_of(' ');
        if (first != std::string::npos) {
          out.push_back(line.substr(first));
        }
        start = stop + 1;
      }
      return out;
    }
    return malformed(ext);
  }
  return {"(unknown to OpenSSL, " + dump(::X509_EXTENSION_get_data(ext)) + ")"};
}

Lines extension_value(X509_EXTENSION* ext) {
  switch (::OBJ_obj2nid(::X509_EXTENSION_get_object(ext))) {
    case NID_basic_constraints:
      return basic_constraints(ext);
    case NID_key_usage: {
      const auto ku = decoded<ASN1_BIT_STRING, ASN1_BIT_STRING_free>(ext);
      return ku ? bit_names(ku.get(), kKeyUsage) : malformed(ext);
    }
    case NID_ext_key_usage:
      return extended_key_usage(ext);
    case NID_subject_alt_name:
    case NID_issuer_alt_name: {
      const auto names = decoded<GENERAL_NAMES, GENERAL_NAMES_free>(ext);
      return names ? general_names(names.get()) : malformed(ext);
    }
    case NID_subject_key_identifier: {
      const auto id = decoded<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>(ext);
      return id ? Lines{colon_hex(::ASN1_STRING_get0_data(id.get()),
                                  static_cast<std::size_t>(::ASN1_STRING_length(id.get())))}
                : malformed(ext);
    }
    case NID_authority_key_identifier:
      return authority_key_id(ext);
    case NID_certificate_policies:
      return policies(ext);
    case NID_crl_distribution_points:
    case NID_freshest_crl:
      return crl_distribution_points(ext);
    case NID_info_access:
      return info_access(ext);
    case NID_name_constraints:
      return name_constraints(ext);
    case NID_ct_precert_scts:
      return signed_timestamps(ext);
    case NID_crl_number:
    case NID_delta_crl: {
      const auto n = decoded<ASN1_INTEGER, ASN1_INTEGER_free>(ext);
      return n ? Lines{integer_text(n.get())} : malformed(ext);
    }
    case NID_crl_reason: {
      const auto r = decoded<ASN1_ENUMERATED, ASN1_ENUMERATED_free>(ext);
      return r ? Lines{reason_text(::ASN1_ENUMERATED_get(r.get()))} : malformed(ext);
    }
    default:
      return other_extension(ext);
  }
}

void print_extensions(Text& t, int depth, std::string_view title, const STACK_OF(X509_EXTENSION) * exts) {
  const int n = sk_X509_EXTENSION_num(exts);
  if (n <= 0) {
    t.line(depth, std::string(title) + ": none");
    return;
  }
  t.line(depth, std::string(title) + ":");
  for (int i = 0; i < n; ++i) {
    X509_EXTENSION* ext = sk_X509_EXTENSION_value(exts, i);
    const bool critical = ::X509_EXTENSION_get_critical(ext) != 0;
    t.line(depth + 1, object_name(::X509_EXTENSION_get_object(ext)) + ":" + (critical ? " critical" : ""));
    t.lines(depth + 2, extension_value(ext));
  }
  ::ERR_clear_error();
}

// ---------------------------------------------------------------------------
// The three kinds of member

std::string fingerprint(const X509* x, const EVP_MD* md) {
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (::X509_digest(x, md, buf, &len) != 1) {
    ::ERR_clear_error();
    return "(cannot be computed)";
  }
  return colon_hex(buf, len);
}

void print_certificate(Text& t, X509* x) {
  const X509_ALGOR* sig_alg = nullptr;
  ::X509_get0_signature(nullptr, &sig_alg, x);
  t.line(0, "Certificate:");
  t.line(1, "Version: " + version_text(::X509_get_version(x)));
  t.line(1, "Serial Number: " + serial_hex(::X509_get0_serialNumber(x)));
  t.line(1, "Signature Algorithm: " + algorithm_text(sig_alg));
  t.line(1, "Issuer: " + name_text(::X509_get_issuer_name(x)));
  t.line(1, "Validity:");
  t.line(2, "Not Before: " + utc_text(::X509_get0_notBefore(x)));
  t.line(2, "Not After:  " + utc_text(::X509_get0_notAfter(x)));
  t.line(1, "Subject: " + name_text(::X509_get_subject_name(x)));
  print_key(t, 1, ::X509_get_X509_PUBKEY(x), ::X509_get0_pubkey(x));
  print_extensions(t, 1, "Extensions", ::X509_get0_extensions(x));
  t.line(1, "Fingerprints:");
  t.line(2, "SHA-256: " + fingerprint(x, ::EVP_sha256()));
  t.line(2, "SHA-1:   " + fingerprint(x, ::EVP_sha1()));
}

void free_extensions(STACK_OF(X509_EXTENSION) * exts) { sk_X509_EXTENSION_pop_free(exts, ::X509_EXTENSION_free); }

void print_request(Text& t, X509_REQ* req) {
  const X509_ALGOR* sig_alg = nullptr;
  ::X509_REQ_get0_signature(req, nullptr, &sig_alg);
  t.line(0, "Certificate Request:");
  t.line(1, "Version: " + version_text(::X509_REQ_get_version(req)));
  t.line(1, "Subject: " + name_text(::X509_REQ_get_subject_name(req)));
  EVP_PKEY* key = ::X509_REQ_get0_pubkey(req);
  print_key(t, 1, ::X509_REQ_get_X509_PUBKEY(req), key);
  const owned<STACK_OF(X509_EXTENSION), free_extensions> exts(::X509_REQ_get_extensions(req));
  ::ERR_clear_error();
  if (!exts && ::X509_REQ_get_attr_by_NID(req, NID_ext_req, -1) >= 0) {
    t.line(1, "Requested Extensions: (malformed)");
  } else {
    print_extensions(t, 1, "Requested Extensions", exts.get());
  }
  std::string attributes;
  for (int i = 0; i < ::X509_REQ_get_attr_count(req); ++i) {
    const ASN1_OBJECT* obj = ::X509_ATTRIBUTE_get0_object(::X509_REQ_get_attr(req, i));
    if (::OBJ_obj2nid(obj) != NID_ext_req) {
      attributes += (attributes.empty() ? "" : ", ") + object_name(obj);
    }
  }
  if (!attributes.empty()) {
    // Their values may be secrets (challengePassword): named, not shown.
    t.line(1, "Other Attributes (values not shown): " + attributes);
  }
  t.line(1, "Signature Algorithm: " + algorithm_text(sig_alg));
  const int verified = key != nullptr ? ::X509_REQ_verify(req, key) : -1;
  ::ERR_clear_error();
  t.line(1, std::string("Signature: ") + (verified == 1 ? "valid (made with the request's key)"
                                                        : "INVALID: does not verify with the request's key"));
}

void print_crl(Text& t, X509_CRL* crl) {
  const X509_ALGOR* sig_alg = nullptr;
  ::X509_CRL_get0_signature(crl, nullptr, &sig_alg);
  t.line(0, "Certificate Revocation List:");
  t.line(1, "Version: " + version_text(::X509_CRL_get_version(crl)));
  t.line(1, "Signature Algorithm: " + algorithm_text(sig_alg));
  t.line(1, "Issuer: " + name_text(::X509_CRL_get_issuer(crl)));
  t.line(1, "Last Update: " + utc_text(::X509_CRL_get0_lastUpdate(crl)));
  t.line(1, "Next Update: " + utc_text(::X509_CRL_get0_nextUpdate(crl)));
  print_extensions(t, 1, "Extensions", ::X509_CRL_get0_extensions(crl));
  const STACK_OF(X509_REVOKED)* revoked = ::X509_CRL_get_REVOKED(crl);
  const int n = sk_X509_REVOKED_num(revoked);
  t.line(1, "Revoked Certificates: " + std::to_string(std::max(n, 0)));
  for (int i = 0; i < n; ++i) {
    const X509_REVOKED* r = sk_X509_REVOKED_value(revoked, i);
    t.line(2, "Serial Number: " + serial_hex(::X509_REVOKED_get0_serialNumber(r)));
    t.line(3, "Revocation Date: " + utc_text(::X509_REVOKED_get0_revocationDate(r)));
    const STACK_OF(X509_EXTENSION)* exts = ::X509_REVOKED_get0_extensions(r);
    if (sk_X509_EXTENSION_num(exts) > 0) {
      print_extensions(t, 3, "Entry Extensions", exts);
    }
  }
}

}  // namespace

void print_member(std::ostream& out, const Member& member) {
  Text t(out);
  t.line(0, member.position() + ":");
  std::visit(
      [&](const auto& object) {
        using T = std::decay_t<decltype(object)>;
        if constexpr (std::is_same_v<T, owned_x509>) {
          print_certificate(t, object.get());
        } else if constexpr (std::is_same_v<T, owned_request>) {
          print_request(t, object.get());
        } else {
          print_crl(t, object.get());
        }
      },
      member.object);
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
