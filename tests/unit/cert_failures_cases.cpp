// The rows of the certificate-validation failure matrix. Every row starts
// from one well-formed chain (root -> intermediate -> leaf, X509_STRICT-clean)
// and changes one thing when `defect` is set, so the control (the same row
// without the defect) proves the defect is what fails the handshake.
// Expected codes are what OpenSSL 3.0 reports for each class.
#include "cert_failures_cases.hpp"

#include <chrono>
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

const std::vector<Case>& all_cases() {
  static const std::vector<Case> rows = {
      // -- Validity window of each certificate in the chain ------------------
      {"leaf_expired", X509_V_ERR_CERT_HAS_EXPIRED,
       [](Side side, bool defect) {
         return edited(side, defect, [](Specs& s) {
           s.leaf.not_before = -48h;
           s.leaf.not_after = -24h;
         });
       }},
      {"leaf_not_yet_valid", X509_V_ERR_CERT_NOT_YET_VALID,
       [](Side side, bool defect) {
         return edited(side, defect, [](Specs& s) {
           s.leaf.not_before = 24h;
           s.leaf.not_after = 48h;
         });
       }},
      {"intermediate_expired", X509_V_ERR_CERT_HAS_EXPIRED,
       [](Side side, bool defect) {
         return edited(side, defect, [](Specs& s) {
           s.intermediate.not_before = -48h;
           s.intermediate.not_after = -24h;
         });
       }},
      {"intermediate_not_yet_valid", X509_V_ERR_CERT_NOT_YET_VALID,
       [](Side side, bool defect) {
         return edited(side, defect, [](Specs& s) {
           s.intermediate.not_before = 24h;
           s.intermediate.not_after = 48h;
         });
       }},
      {"root_expired", X509_V_ERR_CERT_HAS_EXPIRED,
       [](Side side, bool defect) {
         return edited(side, defect, [](Specs& s) {
           s.root.not_before = -48h;
           s.root.not_after = -24h;
         });
       }},
      {"root_not_yet_valid", X509_V_ERR_CERT_NOT_YET_VALID,
       [](Side side, bool defect) {
         return edited(side, defect, [](Specs& s) {
           s.root.not_before = 24h;
           s.root.not_after = 48h;
         });
       }},

      // -- Host names (a client checking the server's name) -------------------
      {"wrong_host", X509_V_ERR_HOSTNAME_MISMATCH,
       [](Side side, bool defect) {
         return host_row(side, "localhost", {defect ? "other.test" : "localhost"});
       },
       true},
      // A wildcard stands for exactly one whole, leftmost label.
      {"wildcard_spans_two_labels", X509_V_ERR_HOSTNAME_MISMATCH,
       [](Side side, bool defect) {
         return host_row(side, "a.b.example.test", {defect ? "*.example.test" : "*.b.example.test"});
       },
       true},
      {"wildcard_partial_label", X509_V_ERR_HOSTNAME_MISMATCH,
       [](Side side, bool defect) {
         return host_row(side, "foo.example.test", {defect ? "f*.example.test" : "*.example.test"});
       },
       true},
      {"wildcard_not_leftmost", X509_V_ERR_HOSTNAME_MISMATCH,
       [](Side side, bool defect) {
         return host_row(side, "www.a.example.test", {defect ? "www.*.example.test" : "*.a.example.test"});
       },
       true},
      {"wildcard_for_a_whole_tld", X509_V_ERR_HOSTNAME_MISMATCH,
       [](Side side, bool defect) {
         return host_row(side, "example.test", {defect ? "*.test" : "example.test"});
       },
       true},
      // No commonName fallback by default: a name only there is no name.
      {"name_only_in_common_name", X509_V_ERR_HOSTNAME_MISMATCH,
       [](Side side, bool defect) {
         using Names = std::vector<std::string>;
         return host_row(side, "localhost", defect ? Names{} : Names{"localhost"});
       },
       true},
      // An address is matched against iPAddress SANs only, never a dNSName.
      {"ip_written_as_dns_san", X509_V_ERR_IP_ADDRESS_MISMATCH,
       [](Side side, bool defect) {
         Specs s(side);
         s.leaf.dns_names = {};
         (defect ? s.leaf.dns_names : s.leaf.ip_addresses) = {"127.0.0.1"};
         Chain c = issue_all(s).chain();
         c.hostname = "127.0.0.1";
         return c;
       },
       true},
      // A NUL byte must not end the name early (the 2009 "null prefix" attack).
      {"nul_in_dns_san", X509_V_ERR_HOSTNAME_MISMATCH,
       [](Side side, bool defect) {
         return host_row(side, "localhost", {defect ? std::string("localhost\0.evil.test", 20) : "localhost"});
       },
       true},
      // The commonName is only read with the fallback on, so this row turns it
      // on (Python 3.11's behaviour) and checks the NUL byte is still caught.
      {"nul_in_common_name_with_cn_fallback", X509_V_ERR_HOSTNAME_MISMATCH,
       [](Side side, bool defect) {
         Specs s(side);
         s.leaf.dns_names = {};
         s.leaf.common_name = defect ? std::string("localhost\0.evil.test", 20) : "localhost";
         Chain c = issue_all(s).chain();
         c.cn_fallback = true;
         return c;
       },
       true},

      // -- Trust -------------------------------------------------------------
      {"self_signed_leaf", X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
       [](Side side, bool defect) {
         const Issued root = issue(ca_spec("matrix root"));
         const Issued leaf = defect ? issue(leaf_spec(side)) : issue(leaf_spec(side), &root);
         return Chain{.trusted_pem = root.cert.pem(), .presented = {leaf}};
       }},
      {"untrusted_root", X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
       [](Side side, bool defect) {
         Chain c = issue_all(Specs(side)).chain();
         if (defect) {
           c.trusted_pem = issue(ca_spec("matrix root")).cert.pem();  // same name, another key
         }
         return c;
       }},
      {"untrusted_root_sent_in_chain", X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
       [](Side side, bool defect) {
         const Issued3 p = issue_all(Specs(side));
         Chain c = p.chain();
         c.presented.push_back(p.root);
         if (defect) {
           c.trusted_pem = issue(ca_spec("another root")).cert.pem();
         }
         return c;
       }},
      {"missing_intermediate", X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
       [](Side side, bool defect) {
         Chain c = issue_all(Specs(side)).chain();
         if (defect) {
           c.presented.pop_back();
         }
         return c;
       }},

      // -- Who may issue ------------------------------------------------------
      {"issuer_not_a_ca", X509_V_ERR_INVALID_CA,
       [](Side side, bool defect) {
         return edited(side, defect, [side](Specs& s) {
           s.intermediate = leaf_spec(side);  // a leaf used to sign another
           s.intermediate.common_name = "matrix intermediate";
         });
       }},
      {"intermediate_without_basic_constraints", X509_V_ERR_INVALID_CA,
       [](Side side, bool defect) {
         return edited(side, defect, [](Specs& s) { s.intermediate.basic = BasicConstraints::absent; });
       }},
      {"intermediate_without_key_cert_sign", X509_V_ERR_INVALID_CA,
       [](Side side, bool defect) {
         return edited(side, defect, [](Specs& s) { s.intermediate.key_usage = "critical,digitalSignature,cRLSign"; });
       }},
      {"path_length_exceeded", X509_V_ERR_PATH_LENGTH_EXCEEDED,
       [](Side side, bool defect) {
         // root -> intermediate (pathlen 0, or 1 in the control) -> sub-CA -> leaf
         const Issued root = issue(ca_spec("matrix root"));
         CertSpec upper = ca_spec("matrix intermediate");
         upper.path_len = defect ? 0 : 1;
         const Issued intermediate = issue(upper, &root);
         const Issued sub = issue(ca_spec("matrix sub-CA"), &intermediate);
         const Issued leaf = issue(leaf_spec(side), &sub);
         return Chain{.trusted_pem = root.cert.pem(), .presented = {leaf, sub, intermediate}};
       }},
      {"name_constraints_permitted_violated", X509_V_ERR_PERMITTED_VIOLATION,
       [](Side side, bool defect) {
         Specs s(side);
         s.intermediate.name_constraints =
             defect ? "critical,permitted;DNS:allowed.test" : "critical,permitted;DNS:localhost";
         return issue_all(s).chain();
       }},
      {"name_constraints_excluded_violated", X509_V_ERR_EXCLUDED_VIOLATION,
       [](Side side, bool defect) {
         Specs s(side);
         s.intermediate.name_constraints =
             defect ? "critical,excluded;DNS:localhost" : "critical,excluded;DNS:elsewhere.test";
         return issue_all(s).chain();
       }},

      // -- Purpose and extensions ----------------------------------------------
      {"leaf_wrong_extended_key_usage", X509_V_ERR_INVALID_PURPOSE,
       [](Side side, bool defect) {
         return edited(side, defect, [side](Specs& s) {
           s.leaf.ext_key_usage = side == Side::client_verifies_server ? "clientAuth" : "serverAuth";
         });
       }},
      {"intermediate_wrong_extended_key_usage", X509_V_ERR_INVALID_PURPOSE,
       [](Side side, bool defect) {
         return edited(side, defect, [side](Specs& s) {
           s.intermediate.ext_key_usage = side == Side::client_verifies_server ? "clientAuth" : "serverAuth";
         });
       }},
      {"leaf_unknown_critical_extension", X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION,
       [](Side side, bool defect) {
         // 1.3.6.1.4.1.55555: an unassigned private enterprise arc.
         return edited(side, defect, [](Specs& s) { s.leaf.unknown_critical_oid = "1.3.6.1.4.1.55555.1"; });
       }},
      {"intermediate_unknown_critical_extension", X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION,
       [](Side side, bool defect) {
         return edited(side, defect, [](Specs& s) { s.intermediate.unknown_critical_oid = "1.3.6.1.4.1.55555.1"; });
       }},

      // -- Revocation, with CRL checking on ------------------------------------
      {"leaf_revoked", X509_V_ERR_CERT_REVOKED,
       [](Side side, bool defect) {
         const CrlSpec fresh;
         return with_leaf_crl(side, &fresh, defect);
       }},
      {"intermediate_revoked", X509_V_ERR_CERT_REVOKED,
       [](Side side, bool defect) {
         const Issued3 p = issue_all(Specs(side));
         Chain c = p.chain();
         c.crl_flags = VERIFY_CRL_CHECK_CHAIN;  // every CA's CRL is then needed
         const std::vector<long> revoked = defect ? std::vector<long>{p.intermediate.serial} : std::vector<long>{};
         c.crls.push_back(issue_crl({.revoked = revoked}, p.root));
         c.crls.push_back(issue_crl({}, p.intermediate));
         return c;
       }},
      {"crl_missing", X509_V_ERR_UNABLE_TO_GET_CRL,
       [](Side side, bool defect) {
         const CrlSpec fresh;
         return with_leaf_crl(side, defect ? nullptr : &fresh, false);
       }},
      {"crl_expired", X509_V_ERR_CRL_HAS_EXPIRED,
       [](Side side, bool defect) {
         const CrlSpec crl = defect ? CrlSpec{.this_update = -48h, .next_update = -24h} : CrlSpec{};
         return with_leaf_crl(side, &crl, false);
       }},
      {"crl_not_yet_valid", X509_V_ERR_CRL_NOT_YET_VALID,
       [](Side side, bool defect) {
         const CrlSpec crl = defect ? CrlSpec{.this_update = 24h, .next_update = 48h} : CrlSpec{};
         return with_leaf_crl(side, &crl, false);
       }},

      // -- Weak keys and digests (security level 2: 112 bits) -------------------
      {"leaf_rsa1024", X509_V_ERR_EE_KEY_TOO_SMALL,
       [](Side side, bool defect) { return edited(side, defect, [](Specs& s) { s.leaf.key = KeyKind::rsa1024; }); }},
      {"intermediate_rsa1024", X509_V_ERR_CA_KEY_TOO_SMALL,
       [](Side side, bool defect) {
         return edited(side, defect, [](Specs& s) { s.intermediate.key = KeyKind::rsa1024; });
       }},
      {"root_rsa1024", X509_V_ERR_CA_KEY_TOO_SMALL,
       [](Side side, bool defect) { return edited(side, defect, [](Specs& s) { s.root.key = KeyKind::rsa1024; }); }},
      {"leaf_signed_sha1", X509_V_ERR_CA_MD_TOO_WEAK,
       [](Side side, bool defect) { return edited(side, defect, [](Specs& s) { s.leaf.digest = Digest::sha1; }); }},
      {"intermediate_signed_sha1", X509_V_ERR_CA_MD_TOO_WEAK,
       [](Side side, bool defect) {
         return edited(side, defect, [](Specs& s) { s.intermediate.digest = Digest::sha1; });
       }},
      {"leaf_signed_md5", X509_V_ERR_CA_MD_TOO_WEAK,
       [](Side side, bool defect) {
         Specs s(side);
         s.intermediate.key = KeyKind::rsa2048;  // MD5 needs an RSA signer, in the control too
         if (defect) {
           s.leaf.digest = Digest::md5;
         }
         return issue_all(s).chain();
       }},
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
