#include "decode_extensions.hpp"

#include <openssl/ct.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <span>
#include <utility>

namespace sslpp::cli {

namespace {

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

}  // namespace

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

}  // namespace sslpp::cli
