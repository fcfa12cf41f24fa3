// The rows of the certificate-validation failure matrix. Every row starts
// from one well-formed chain (root -> intermediate -> leaf, X509_STRICT-clean)
// and changes one thing when `defect` is set, so the control (the same row
// without the defect) proves the defect is what fails the handshake.
// Expected codes are what OpenSSL 3.0 reports for each class.
#include "cert_failures_cases.hpp"
#include "support/utc_text.hpp"

#include <chrono>
#include <ctime>
#include <string>
#include <utility>
#include <vector>

#include <openssl/x509_vfy.h>

namespace sslpp::test::cert_failures {

namespace {

using namespace std::chrono_literals;

CertSpec leaf_spec(Side side) {
  return {
      .common_name = "localhost",
      .dns_names = {"localhost"},
      .ext_key_usage = side == Side::client_verifies_server ? "serverAuth" : "clientAuth",
  };
}

// Specs is the standard chain before it is issued; a row edits one field.
struct Specs {
  explicit Specs(Side side) : leaf(leaf_spec(side)) {}
  CertSpec root = ca_spec("matrix root");
  CertSpec intermediate = ca_spec("matrix intermediate");
  CertSpec leaf;
};

struct Issued3 {
  Issued root;
  Issued intermediate;
  Issued leaf;
  // chain trusts the root; the peer sends its leaf and the intermediate.
  [[nodiscard]] Chain chain() const { return {.trusted_pem = root.cert.pem(), .presented = {leaf, intermediate}}; }
};

Issued3 issue_all(const Specs& s) {
  Issued root = issue(s.root);
  Issued intermediate = issue(s.intermediate, &root);
  Issued leaf = issue(s.leaf, &intermediate);
  return {std::move(root), std::move(intermediate), std::move(leaf)};
}

// edited is the standard chain, with `edit` applied to its specs when the
// row's defect is wanted.
template <typename Edit>
Chain edited(Side side, bool defect, Edit edit) {
  Specs s(side);
  if (defect) {
    edit(s);
  }
  return issue_all(s).chain();
}

// host_row is a chain whose leaf names only `names`, checked against
// `hostname`: the defect picks the misused name, the control a proper one.
Chain host_row(Side side, const std::string& hostname, std::vector<std::string> names) {
  Specs s(side);
  s.leaf.dns_names = std::move(names);
  Chain c = issue_all(s).chain();
  c.hostname = hostname;
  return c;
}

// with_leaf_crl checks the leaf's revocation with `crl` from its issuer, or
// with no CRL at all when `crl` is null.
Chain with_leaf_crl(Side side, const CrlSpec* crl, bool revoke_leaf) {
  const Issued3 p = issue_all(Specs(side));
  Chain c = p.chain();
  c.crl_flags = VERIFY_CRL_CHECK_LEAF;
  if (crl != nullptr) {
    CrlSpec spec = *crl;
    if (revoke_leaf) {
      spec.revoked.push_back(p.leaf.serial);
    }
    c.crls.push_back(issue_crl(spec, p.intermediate));
  }
  return c;
}

// -- Facts the hints must name (see Facts) ------------------------------------

// at is the chain's certificate at depth d: a presented one, else the root.
Certificate at(const Chain& c, int d) {
  return static_cast<std::size_t>(d) < c.presented.size() ? c.presented[static_cast<std::size_t>(d)].cert
                                                          : Certificate::from_pem(c.trusted_pem);
}


std::string quoted_subject(const Chain& c, int d) { return "'" + at(c, d).subject_name() + "'"; }

template <int D>
std::vector<std::string> expired_facts(const Chain& c) {
  return {quoted_subject(c, D), "expired on " + test::utc_text(at(c, D).not_after()), "now is "};
}
template <int D>
std::vector<std::string> not_yet_valid_facts(const Chain& c) {
  return {quoted_subject(c, D), "not valid before " + test::utc_text(at(c, D).not_before()), "now is "};
}
std::vector<std::string> host_facts(const Chain&) { return {"valid for DNS:other.test", "not 'localhost'"}; }
std::vector<std::string> one_label_facts(const Chain&) {
  return {"DNS:*.example.test", "'*.example.test' covers one label only"};
}
std::vector<std::string> partial_facts(const Chain&) { return {"partial wildcards ('f*.example.test')"}; }
std::vector<std::string> leftmost_facts(const Chain&) { return {"a wildcard must be the whole leftmost label"}; }
std::vector<std::string> tld_facts(const Chain&) { return {"wildcards directly under a top-level label are refused"}; }
std::vector<std::string> cn_only_facts(const Chain&) { return {"carries no DNS names", "commonName is not checked"}; }
std::vector<std::string> ip_as_dns_facts(const Chain&) {
  return {"DNS:127.0.0.1", "not the address '127.0.0.1'", "it needs an iPAddress SAN"};
}
std::vector<std::string> nul_facts(const Chain&) { return {"localhost\\x00.evil.test", "contains a NUL byte"}; }
std::vector<std::string> nul_cn_facts(const Chain&) { return {"commonName contains a NUL byte"}; }
std::vector<std::string> self_signed_facts(const Chain& c) {
  return {quoted_subject(c, 0), "self-signed", at(c, 0).sha256_fingerprint()};
}
std::vector<std::string> anchor_facts(const Chain& c) {
  return {"your trust store has a '" + at(c, 1).issuer_name() + "'", "another key"};
}
std::vector<std::string> untrusted_root_facts(const Chain& c) { return {"self-signed root " + quoted_subject(c, 2)}; }
std::vector<std::string> missing_intermediate_facts(const Chain& c) {
  return {"sent only its own certificate", "its issuer '" + at(c, 0).issuer_name() + "'", "intermediate"};
}
std::vector<std::string> aia_facts(const Chain& c) {
  return {"its issuer '" + at(c, 0).issuer_name() + "'",
          "(published at http://ca.example.test/matrix-intermediate.der)"};
}
std::vector<std::string> wrong_intermediate_facts(const Chain& c) {
  return {"sent an intermediate '" + at(c, 1).subject_name() + "' that did not sign " + quoted_subject(c, 0),
          "sha256 " + at(c, 1).sha256_fingerprint()};
}
std::vector<std::string> basic_false_facts(const Chain& c) { return {quoted_subject(c, 1), "CA:FALSE"}; }
std::vector<std::string> no_basic_facts(const Chain& c) { return {quoted_subject(c, 1), "no basicConstraints"}; }
std::vector<std::string> no_cert_sign_facts(const Chain& c) { return {quoted_subject(c, 1), "keyCertSign"}; }
std::vector<std::string> path_length_facts(const Chain& c) {
  return {quoted_subject(c, 2) + " allows pathlen:0", "this chain has 1 (" + quoted_subject(c, 1) + ")"};
}
std::vector<std::string> permitted_facts(const Chain& c) {
  return {"DNS:localhost", "name constraints of " + quoted_subject(c, 1), "allowed.test"};
}
std::vector<std::string> excluded_facts(const Chain& c) {
  return {"DNS:localhost", "name constraints of " + quoted_subject(c, 1), "Excluded"};
}
std::vector<std::string> leaf_eku_facts(const Chain& c) { return {quoted_subject(c, 0), "extendedKeyUsage allows only"}; }
std::vector<std::string> intermediate_eku_facts(const Chain& c) {
  return {"intermediate " + quoted_subject(c, 1) + " limits what it issues to"};
}
std::vector<std::string> oid_facts(const Chain&) { return {"1.3.6.1.4.1.55555.1"}; }
std::vector<std::string> leaf_revoked_facts(const Chain& c) {
  return {"serial " + at(c, 0).serial_number(), "was revoked on ", "by the CRL of '" + at(c, 0).issuer_name() + "'"};
}
std::vector<std::string> intermediate_revoked_facts(const Chain& c) {
  return {"serial " + at(c, 1).serial_number(), "was revoked on ", "by the CRL of '" + at(c, 1).issuer_name() + "'"};
}
std::vector<std::string> crl_missing_facts(const Chain& c) {
  return {"no CRL from '" + at(c, 0).issuer_name() + "'", "add_crl"};
}
std::vector<std::string> crl_unusable_facts(const Chain& c) { return {"the CRL from '" + at(c, 0).issuer_name() + "'"}; }
std::vector<std::string> rsa1024_facts(const Chain&) { return {"a key of RSA 1024 bits", "security level 2"}; }
template <int D>
std::vector<std::string> digest_facts(const Chain& c) {
  return {quoted_subject(c, D), "signed with " + at(c, D).signature_algorithm()};
}

const std::vector<Case>& all_cases() {
  static const std::vector<Case> rows = {
      // -- Validity window of each certificate in the chain ------------------
      {"leaf_expired", X509_V_ERR_CERT_HAS_EXPIRED, 0, VerifyHint::expired,
       [](Side side, bool defect) {
         return edited(side, defect, [](Specs& s) {
           s.leaf.not_before = -48h;
           s.leaf.not_after = -24h;
         });
       },
       false, expired_facts<0>},
      {"leaf_not_yet_valid", X509_V_ERR_CERT_NOT_YET_VALID, 0, VerifyHint::not_yet_valid,
       [](Side side, bool defect) {
         return edited(side, defect, [](Specs& s) {
           s.leaf.not_before = 24h;
           s.leaf.not_after = 48h;
         });
       },
       false, not_yet_valid_facts<0>},
      {"intermediate_expired", X509_V_ERR_CERT_HAS_EXPIRED, 1, VerifyHint::expired,
       [](Side side, bool defect) {
         return edited(side, defect, [](Specs& s) {
           s.intermediate.not_before = -48h;
           s.intermediate.not_after = -24h;
         });
       },
       false, expired_facts<1>},
      {"intermediate_not_yet_valid", X509_V_ERR_CERT_NOT_YET_VALID, 1, VerifyHint::not_yet_valid,
       [](Side side, bool defect) {
         return edited(side, defect, [](Specs& s) {
           s.intermediate.not_before = 24h;
           s.intermediate.not_after = 48h;
         });
       },
       false, not_yet_valid_facts<1>},
      {"root_expired", X509_V_ERR_CERT_HAS_EXPIRED, 2, VerifyHint::expired,
       [](Side side, bool defect) {
         return edited(side, defect, [](Specs& s) {
           s.root.not_before = -48h;
           s.root.not_after = -24h;
         });
       },
       false, expired_facts<2>},
      {"root_not_yet_valid", X509_V_ERR_CERT_NOT_YET_VALID, 2, VerifyHint::not_yet_valid,
       [](Side side, bool defect) {
         return edited(side, defect, [](Specs& s) {
           s.root.not_before = 24h;
           s.root.not_after = 48h;
         });
       },
       false, not_yet_valid_facts<2>},

      // -- Host names (a client checking the server's name) -------------------
      {"wrong_host", X509_V_ERR_HOSTNAME_MISMATCH, 0, VerifyHint::hostname_mismatch,
       [](Side side, bool defect) {
         return host_row(side, "localhost", {defect ? "other.test" : "localhost"});
       },
       true, host_facts},
      // A wildcard stands for exactly one whole, leftmost label.
      {"wildcard_spans_two_labels", X509_V_ERR_HOSTNAME_MISMATCH, 0, VerifyHint::hostname_mismatch,
       [](Side side, bool defect) {
         return host_row(side, "a.b.example.test", {defect ? "*.example.test" : "*.b.example.test"});
       },
       true, one_label_facts},
      {"wildcard_partial_label", X509_V_ERR_HOSTNAME_MISMATCH, 0, VerifyHint::hostname_mismatch,
       [](Side side, bool defect) {
         return host_row(side, "foo.example.test", {defect ? "f*.example.test" : "*.example.test"});
       },
       true, partial_facts},
      {"wildcard_not_leftmost", X509_V_ERR_HOSTNAME_MISMATCH, 0, VerifyHint::hostname_mismatch,
       [](Side side, bool defect) {
         return host_row(side, "www.a.example.test", {defect ? "www.*.example.test" : "*.a.example.test"});
       },
       true, leftmost_facts},
      {"wildcard_for_a_whole_tld", X509_V_ERR_HOSTNAME_MISMATCH, 0, VerifyHint::hostname_mismatch,
       [](Side side, bool defect) {
         return host_row(side, "example.test", {defect ? "*.test" : "example.test"});
       },
       true, tld_facts},
      // No commonName fallback by default: a name only there is no name.
      {"name_only_in_common_name", X509_V_ERR_HOSTNAME_MISMATCH, 0, VerifyHint::hostname_mismatch,
       [](Side side, bool defect) {
         using Names = std::vector<std::string>;
         return host_row(side, "localhost", defect ? Names{} : Names{"localhost"});
       },
       true, cn_only_facts},
      // An address is matched against iPAddress SANs only, never a dNSName.
      {"ip_written_as_dns_san", X509_V_ERR_IP_ADDRESS_MISMATCH, 0, VerifyHint::ip_mismatch,
       [](Side side, bool defect) {
         Specs s(side);
         s.leaf.dns_names = {};
         (defect ? s.leaf.dns_names : s.leaf.ip_addresses) = {"127.0.0.1"};
         Chain c = issue_all(s).chain();
         c.hostname = "127.0.0.1";
         return c;
       },
       true, ip_as_dns_facts},
      // A NUL byte must not end the name early (the 2009 "null prefix" attack).
      {"nul_in_dns_san", X509_V_ERR_HOSTNAME_MISMATCH, 0, VerifyHint::hostname_mismatch,
       [](Side side, bool defect) {
         return host_row(side, "localhost", {defect ? std::string("localhost\0.evil.test", 20) : "localhost"});
       },
       true, nul_facts},
      // The commonName is only read with the fallback on, so this row turns it
      // on (Python 3.11's behaviour) and checks the NUL byte is still caught.
      {"nul_in_common_name_with_cn_fallback", X509_V_ERR_HOSTNAME_MISMATCH, 0, VerifyHint::hostname_mismatch,
       [](Side side, bool defect) {
         Specs s(side);
         s.leaf.dns_names = {};
         s.leaf.common_name = defect ? std::string("localhost\0.evil.test", 20) : "localhost";
         Chain c = issue_all(s).chain();
         c.cn_fallback = true;
         return c;
       },
       true, nul_cn_facts},

      // -- Trust -------------------------------------------------------------
      {"self_signed_leaf", X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, 0, VerifyHint::self_signed,
       [](Side side, bool defect) {
         const Issued root = issue(ca_spec("matrix root"));
         const Issued leaf = defect ? issue(leaf_spec(side)) : issue(leaf_spec(side), &root);
         return Chain{.trusted_pem = root.cert.pem(), .presented = {leaf}};
       },
       false, self_signed_facts},
      {"untrusted_root", X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 1, VerifyHint::anchor_other_key,
       [](Side side, bool defect) {
         Chain c = issue_all(Specs(side)).chain();
         if (defect) {
           c.trusted_pem = issue(ca_spec("matrix root")).cert.pem();  // same name, another key
         }
         return c;
       },
       false, anchor_facts},
      {"untrusted_root_sent_in_chain", X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, 2, VerifyHint::untrusted_root,
       [](Side side, bool defect) {
         const Issued3 p = issue_all(Specs(side));
         Chain c = p.chain();
         c.presented.push_back(p.root);
         if (defect) {
           c.trusted_pem = issue(ca_spec("another root")).cert.pem();
         }
         return c;
       },
       false, untrusted_root_facts},
      {"missing_intermediate", X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0, VerifyHint::missing_intermediate,
       [](Side side, bool defect) {
         Chain c = issue_all(Specs(side)).chain();
         if (defect) {
           c.presented.pop_back();
         }
         return c;
       },
       false, missing_intermediate_facts},

      // The same, with the issuer's URL in the leaf (authorityInfoAccess): the
      // hint names where the missing intermediate is published.
      {"missing_intermediate_with_aia", X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0,
       VerifyHint::missing_intermediate,
       [](Side side, bool defect) {
         Specs s(side);
         s.leaf.authority_info_access = "caIssuers;URI:http://ca.example.test/matrix-intermediate.der";
         Chain c = issue_all(s).chain();
         if (defect) {
           c.presented.pop_back();
         }
         return c;
       },
       false, aia_facts},
      // The peer sends an intermediate of the right name but another key (a
      // stale one, from before the CA re-keyed): it did not sign the leaf.
      {"wrong_intermediate_sent", X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0,
       VerifyHint::missing_intermediate,
       [](Side side, bool defect) {
         const Issued3 p = issue_all(Specs(side));
         Chain c = p.chain();
         if (defect) {
           c.presented.back() = issue(ca_spec("matrix intermediate"), &p.root);
         }
         return c;
       },
       false, wrong_intermediate_facts},

      // -- Who may issue ------------------------------------------------------
      {"issuer_not_a_ca", X509_V_ERR_INVALID_CA, 1, VerifyHint::not_a_ca,
       [](Side side, bool defect) {
         return edited(side, defect, [side](Specs& s) {
           s.intermediate = leaf_spec(side);  // a leaf used to sign another
           s.intermediate.common_name = "matrix intermediate";
         });
       },
       false, basic_false_facts},
      {"intermediate_without_basic_constraints", X509_V_ERR_INVALID_CA, 1, VerifyHint::not_a_ca,
       [](Side side, bool defect) {
         return edited(side, defect, [](Specs& s) { s.intermediate.basic = BasicConstraints::absent; });
       },
       false, no_basic_facts},
      {"intermediate_without_key_cert_sign", X509_V_ERR_INVALID_CA, 1, VerifyHint::not_a_ca,
       [](Side side, bool defect) {
         return edited(side, defect, [](Specs& s) { s.intermediate.key_usage = "critical,digitalSignature,cRLSign"; });
       },
       false, no_cert_sign_facts},
      {"path_length_exceeded", X509_V_ERR_PATH_LENGTH_EXCEEDED, 2, VerifyHint::path_length,
       [](Side side, bool defect) {
         // root -> intermediate (pathlen 0, or 1 in the control) -> sub-CA -> leaf
         const Issued root = issue(ca_spec("matrix root"));
         CertSpec upper = ca_spec("matrix intermediate");
         upper.path_len = defect ? 0 : 1;
         const Issued intermediate = issue(upper, &root);
         const Issued sub = issue(ca_spec("matrix sub-CA"), &intermediate);
         const Issued leaf = issue(leaf_spec(side), &sub);
         return Chain{.trusted_pem = root.cert.pem(), .presented = {leaf, sub, intermediate}};
       },
       false, path_length_facts},
      {"name_constraints_permitted_violated", X509_V_ERR_PERMITTED_VIOLATION, 0, VerifyHint::name_constraints,
       [](Side side, bool defect) {
         Specs s(side);
         s.intermediate.name_constraints =
             defect ? "critical,permitted;DNS:allowed.test" : "critical,permitted;DNS:localhost";
         return issue_all(s).chain();
       },
       false, permitted_facts},
      {"name_constraints_excluded_violated", X509_V_ERR_EXCLUDED_VIOLATION, 0, VerifyHint::name_constraints,
       [](Side side, bool defect) {
         Specs s(side);
         s.intermediate.name_constraints =
             defect ? "critical,excluded;DNS:localhost" : "critical,excluded;DNS:elsewhere.test";
         return issue_all(s).chain();
       },
       false, excluded_facts},

      // -- Purpose and extensions ----------------------------------------------
      {"leaf_wrong_extended_key_usage", X509_V_ERR_INVALID_PURPOSE, 0, VerifyHint::wrong_purpose,
       [](Side side, bool defect) {
         return edited(side, defect, [side](Specs& s) {
           s.leaf.ext_key_usage = side == Side::client_verifies_server ? "clientAuth" : "serverAuth";
         });
       },
       false, leaf_eku_facts},
      {"intermediate_wrong_extended_key_usage", X509_V_ERR_INVALID_PURPOSE, 1, VerifyHint::wrong_purpose,
       [](Side side, bool defect) {
         return edited(side, defect, [side](Specs& s) {
           s.intermediate.ext_key_usage = side == Side::client_verifies_server ? "clientAuth" : "serverAuth";
         });
       },
       false, intermediate_eku_facts},
      {"leaf_unknown_critical_extension", X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION, 0, VerifyHint::critical_extension,
       [](Side side, bool defect) {
         // 1.3.6.1.4.1.55555: an unassigned private enterprise arc.
         return edited(side, defect, [](Specs& s) { s.leaf.unknown_critical_oid = "1.3.6.1.4.1.55555.1"; });
       },
       false, oid_facts},
      {"intermediate_unknown_critical_extension", X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION, 1, VerifyHint::critical_extension,
       [](Side side, bool defect) {
         return edited(side, defect, [](Specs& s) { s.intermediate.unknown_critical_oid = "1.3.6.1.4.1.55555.1"; });
       },
       false, oid_facts},

      // -- Revocation, with CRL checking on ------------------------------------
      {"leaf_revoked", X509_V_ERR_CERT_REVOKED, 0, VerifyHint::revoked,
       [](Side side, bool defect) {
         const CrlSpec fresh;
         return with_leaf_crl(side, &fresh, defect);
       },
       false, leaf_revoked_facts},
      {"intermediate_revoked", X509_V_ERR_CERT_REVOKED, 1, VerifyHint::revoked,
       [](Side side, bool defect) {
         const Issued3 p = issue_all(Specs(side));
         Chain c = p.chain();
         c.crl_flags = VERIFY_CRL_CHECK_CHAIN;  // every CA's CRL is then needed
         const std::vector<long> revoked = defect ? std::vector<long>{p.intermediate.serial} : std::vector<long>{};
         c.crls.push_back(issue_crl({.revoked = revoked}, p.root));
         c.crls.push_back(issue_crl({}, p.intermediate));
         return c;
       },
       false, intermediate_revoked_facts},
      {"crl_missing", X509_V_ERR_UNABLE_TO_GET_CRL, 0, VerifyHint::revocation_unknown,
       [](Side side, bool defect) {
         const CrlSpec fresh;
         return with_leaf_crl(side, defect ? nullptr : &fresh, false);
       },
       false, crl_missing_facts},
      {"crl_expired", X509_V_ERR_CRL_HAS_EXPIRED, 0, VerifyHint::revocation_unknown,
       [](Side side, bool defect) {
         const CrlSpec crl = defect ? CrlSpec{.this_update = -48h, .next_update = -24h} : CrlSpec{};
         return with_leaf_crl(side, &crl, false);
       },
       false, crl_unusable_facts},
      {"crl_not_yet_valid", X509_V_ERR_CRL_NOT_YET_VALID, 0, VerifyHint::revocation_unknown,
       [](Side side, bool defect) {
         const CrlSpec crl = defect ? CrlSpec{.this_update = 24h, .next_update = 48h} : CrlSpec{};
         return with_leaf_crl(side, &crl, false);
       },
       false, crl_unusable_facts},

      // -- Weak keys and digests (security level 2: 112 bits) -------------------
      {"leaf_rsa1024", X509_V_ERR_EE_KEY_TOO_SMALL, 0, VerifyHint::weak_key,
       [](Side side, bool defect) { return edited(side, defect, [](Specs& s) { s.leaf.key = KeyKind::rsa1024; }); },
       false, rsa1024_facts},
      {"intermediate_rsa1024", X509_V_ERR_CA_KEY_TOO_SMALL, 1, VerifyHint::weak_key,
       [](Side side, bool defect) {
         return edited(side, defect, [](Specs& s) { s.intermediate.key = KeyKind::rsa1024; });
       },
       false, rsa1024_facts},
      {"root_rsa1024", X509_V_ERR_CA_KEY_TOO_SMALL, 2, VerifyHint::weak_key,
       [](Side side, bool defect) { return edited(side, defect, [](Specs& s) { s.root.key = KeyKind::rsa1024; }); },
       false, rsa1024_facts},
      {"leaf_signed_sha1", X509_V_ERR_CA_MD_TOO_WEAK, 0, VerifyHint::weak_signature,
       [](Side side, bool defect) { return edited(side, defect, [](Specs& s) { s.leaf.digest = Digest::sha1; }); },
       false, digest_facts<0>},
      {"intermediate_signed_sha1", X509_V_ERR_CA_MD_TOO_WEAK, 1, VerifyHint::weak_signature,
       [](Side side, bool defect) {
         return edited(side, defect, [](Specs& s) { s.intermediate.digest = Digest::sha1; });
       },
       false, digest_facts<1>},
      {"leaf_signed_md5", X509_V_ERR_CA_MD_TOO_WEAK, 0, VerifyHint::weak_signature,
       [](Side side, bool defect) {
         Specs s(side);
         s.intermediate.key = KeyKind::rsa2048;  // MD5 needs an RSA signer, in the control too
         if (defect) {
           s.leaf.digest = Digest::md5;
         }
         return issue_all(s).chain();
       },
       false, digest_facts<0>},
  };
  return rows;
}

}  // namespace

std::vector<Case> cases(Side side) {
  std::vector<Case> out;
  for (const Case& c : all_cases()) {
    if (!c.name_check || side == Side::client_verifies_server) {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace sslpp::test::cert_failures
