// The hint table of a failed verification (docs/design/verify-explain.md,
// section 3): one line per failure, naming the certificate, the fact that
// broke it and what a person can do. Every name in a hint comes from a
// certificate, so from whoever sent it: each goes through escape_text.
#include <sslpp/verify_failure.hpp>

#include <algorithm>
#include <ctime>
#include <initializer_list>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "x509/verify_explain.hpp"
#include "x509/verify_name.hpp"

namespace sslpp::detail {

namespace {

constexpr std::size_t max_hint = 512;
constexpr std::size_t max_quoted = 200;
constexpr std::size_t max_listed = 10;

// hint_context names the parts of a failure a hint template uses.
struct hint_context {
  const VerifyFailure& f;
  const explain_input& in;

  [[nodiscard]] std::string peer() const {
    switch (f.peer) {
      case PeerRole::server:
        return "the server";
      case PeerRole::client:
        return "the client";
      case PeerRole::none:
        break;
    }
    return "the certificate's sender";
  }
  [[nodiscard]] bool has(int d) const { return d >= 0 && static_cast<std::size_t>(d) < f.chain_built.size(); }
  [[nodiscard]] const CertSummary* at(int d) const {
    return has(d) ? &f.chain_built[static_cast<std::size_t>(d)] : nullptr;
  }
  // S / I: the subject / issuer of the certificate at depth d, quoted.
  [[nodiscard]] std::string S(int d) const {
    const CertSummary* c = at(d);
    if (c == nullptr) {
      return d == 0 && f.peer == PeerRole::none ? "the certificate given" : "the certificate";
    }
    return "'" + escape_text(c->subject, max_quoted) + "'";
  }
  [[nodiscard]] std::string I(int d) const {
    const CertSummary* c = at(d);
    return c != nullptr ? "'" + escape_text(c->issuer, max_quoted) + "'" : "its issuer";
  }
  // role is what the certificate at depth d is to the chain.
  [[nodiscard]] std::string role(int d) const {
    const CertSummary* c = at(d);
    if (d == 0) {
      return f.peer == PeerRole::none ? "the certificate given" : peer() + "'s certificate";
    }
    if (c != nullptr && c->from_trust_store && !c->from_peer) {
      return "a CA of your trust store";
    }
    return c != nullptr && c->self_issued ? "a root" : "an intermediate";
  }
  [[nodiscard]] std::string now_word() const {
    const bool given = in.capture != nullptr && in.capture->time_given;
    return given ? "checked at" : "now is";
  }
  [[nodiscard]] std::string purpose() const {
    switch (f.peer) {
      case PeerRole::server:
        return "TLS server authentication (serverAuth)";
      case PeerRole::client:
        return "TLS client authentication (clientAuth)";
      case PeerRole::none:
        break;
    }
    return "the purpose asked for";
  }
};

std::string age(std::chrono::seconds diff) {
  const long long s = diff.count() < 0 ? -diff.count() : diff.count();
  if (s >= 2 * 86400) {
    return std::to_string(s / 86400) + " days";
  }
  if (s >= 2 * 3600) {
    return std::to_string(s / 3600) + " hours";
  }
  return std::to_string(s / 60) + " minutes";
}

// names_list renders up to ten names "DNS:a, DNS:b", then "and N more".
std::string names_list(const std::vector<GeneralName>& names, std::size_t omitted) {
  std::string out;
  std::size_t shown = 0;
  for (const GeneralName& n : names) {
    if (shown == max_listed) {
      break;
    }
    const std::string type = n.type == "IP Address" ? "IP" : n.type;
    out += (out.empty() ? "" : ", ") + escape_text(type, 20) + ":" + escape_text(n.value, 100);
    ++shown;
  }
  const std::size_t more = names.size() - shown + omitted;
  if (more > 0) {
    out += " and " + std::to_string(more) + " more";
  }
  return out.empty() ? "no names" : out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    out += (out.empty() ? "" : ", ") + escape_text(s, 100);
  }
  return out.empty() ? "nothing" : out;
}

// host_note says why no DNS name matched `host`, when a name shows a
// classic mistake; empty when none does.
std::string host_note(const CertSummary& leaf, const std::string& host, unsigned int host_flags) {
  bool any_dns = false;
  for (const GeneralName& n : leaf.subject_alt_names) {
    if (n.type != "DNS") {
      continue;
    }
    any_dns = true;
    const std::string& v = n.value;
    const std::string quoted = "'" + escape_text(v, 100) + "'";
    if (v.find('\0') != std::string::npos) {
      return "the DNS name " + quoted + " contains a NUL byte and matches nothing";
    }
    const std::size_t star = v.find('*');
    if (star == std::string::npos) {
      continue;
    }
    const std::size_t first_dot = v.find('.');
    if (first_dot == std::string::npos || star > first_dot) {
      return "a wildcard must be the whole leftmost label (" + quoted + ")";
    }
    if (first_dot != 1) {
      return "partial wildcards (" + quoted + ") are not accepted";
    }
    const std::string rest = v.substr(first_dot);  // ".example.test"
    if (rest.find('.', 1) == std::string::npos) {
      return "wildcards directly under a top-level label are refused (" + quoted + ")";
    }
    if (host.size() > rest.size() && host.ends_with(rest) &&
        host.substr(0, host.size() - rest.size()).find('.') != std::string::npos) {
      return quoted + " covers one label only";
    }
  }
  if (!any_dns && (host_flags & X509_CHECK_FLAG_NEVER_CHECK_SUBJECT) != 0) {
    return "it carries no DNS names; its commonName is not checked (as browsers, Go and rustls; "
           "Context::set_hostname_checks_common_name)";
  }
  return {};
}

// common_name_has_nul: the subject's commonName holds a NUL byte (which
// the RFC 2253 form prints escaped, so the raw value is read).
bool common_name_has_nul(X509* x) {
  const X509_NAME* subject = ::X509_get_subject_name(x);
  for (int i = -1; (i = ::X509_NAME_get_index_by_NID(subject, NID_commonName, i)) >= 0;) {
    const ASN1_STRING* value = ::X509_NAME_ENTRY_get_data(::X509_NAME_get_entry(subject, i));
    const auto* bytes = ::ASN1_STRING_get0_data(value);
    if (std::find(bytes, bytes + ::ASN1_STRING_length(value), 0) != bytes + ::ASN1_STRING_length(value)) {
      return true;
    }
  }
  return false;
}

std::string hostname_hint(const hint_context& h) {
  const CertSummary* leaf = h.at(0);
  const std::string host = h.f.checked_name.value_or("");
  std::string out = "certificate " + h.S(0) + " is valid for ";
  out += leaf != nullptr ? names_list(leaf->subject_alt_names, leaf->san_omitted) : "names not known here";
  if (h.f.code == X509_V_ERR_IP_ADDRESS_MISMATCH) {
    out += ", not the address '" + escape_text(host, 100) + "'";
    if (leaf != nullptr && std::any_of(leaf->subject_alt_names.begin(), leaf->subject_alt_names.end(),
                                       [&](const GeneralName& n) { return n.type == "DNS" && n.value == host; })) {
      out += "; it lists '" + escape_text(host, 100) +
             "' as a DNS name, which never matches an address: it needs an iPAddress SAN";
    }
    return out;
  }
  out += ", not '" + escape_text(host, 100) + "'";
  if (leaf != nullptr) {
    const unsigned int flags =
        h.in.capture != nullptr ? h.in.capture->host_flags : static_cast<unsigned int>(hostname_check_flags);
    if (const std::string note = host_note(*leaf, host, flags); !note.empty()) {
      out += "; " + note;
    }
    if (common_name_has_nul(leaf->certificate.native_handle())) {
      out += "; its commonName contains a NUL byte and matches nothing";
    }
  }
  return out;
}

std::string time_hint(const hint_context& h, bool expired) {
  const int d = h.f.depth;
  const CertSummary* c = h.at(d);
  const auto& bound = c != nullptr ? (expired ? c->not_after : c->not_before) : std::nullopt;
  std::string out = "certificate " + h.S(d) + " (" + h.role(d) + ")";
  if (!bound) {
    return out + (expired ? " has expired" : " is not yet valid") + "; " + h.now_word() + " " +
           format_utc(h.f.checked_at);
  }
  out += expired ? " expired on " : " is not valid before ";
  out += format_utc(*bound) + "; " + h.now_word() + " " + format_utc(h.f.checked_at) + " (" +
         age(h.f.checked_at - *bound) + (expired ? " ago)" : " early)");
  if (!expired) {
    return out + ": it was issued for the future, or this machine's clock is behind";
  }
  if (d == 0) {
    return out + ": " + (h.f.peer == PeerRole::none ? "it" : h.peer()) + " must renew it";
  }
  if (c->from_trust_store && !c->from_peer) {
    return out + ": update your CA bundle";
  }
  return out + ": " + h.peer() + " must send the current one";
}

std::string missing_issuer_hint(hint_context& h, VerifyHint& kind) {
  const VerifyFailure& f = h.f;
  const int d = f.depth;
  const CertSummary* top = h.at(d);
  if (f.code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT) {
    kind = VerifyHint::unknown_issuer;
    return h.S(d) + " from your trust store is not a root and its issuer " + h.I(d) +
           " is not there: add that root, or trust intermediates as anchors (VERIFY_X509_PARTIAL_CHAIN)";
  }
  // A sent certificate named like the issuer, that did not sign it.
  for (const CertSummary& s : f.chain_sent) {
    if (top != nullptr && s.subject == top->issuer && s.sha256 != top->sha256) {
      kind = VerifyHint::missing_intermediate;
      return h.peer() + " sent an intermediate " + h.I(d) + " that did not sign " + h.S(d) +
             " (stale or wrong intermediate, sha256 " + s.sha256 + "): " + h.peer() + " must send the one that did";
    }
  }
  if (h.in.capture != nullptr && h.in.capture->code == f.code && h.in.capture->same_name_anchors &&
      sk_X509_num(h.in.capture->same_name_anchors.get()) > 0) {
    kind = VerifyHint::anchor_other_key;
    return "your trust store has a " + h.I(d) + ", but not the one that signed " + h.S(d) +
           " (another key: a re-keyed CA, or another CA of the same name)";
  }
  if (d == 0 && top != nullptr && !top->self_issued) {
    // The leaf's issuer is neither sent nor trusted: the classic server
    // that does not send its intermediate.
    kind = VerifyHint::missing_intermediate;
    const std::size_t sent = f.chain_sent.size() + f.sent_omitted;
    const std::string who = f.peer == PeerRole::none ? "the certificate given" : h.peer();
    std::string out;
    if (f.peer == PeerRole::none) {
      out = std::string(sent <= 1 ? "the certificate given comes alone" : "none of the certificates given is") +
            "; its issuer " + h.I(0) + " is not in your trust store: pass the intermediate(s) in VerifyOptions::untrusted";
    } else {
      out = (sent <= 1 ? who + " sent only its own certificate"
                       : who + " sent " + std::to_string(sent) + " certificates, none of them its issuer") +
            "; its issuer " + h.I(0) + " is not in your trust store: " + who +
            " must send its intermediate certificate(s)";
    }
    if (!top->ca_issuers.empty()) {
      out += " (published at " + escape_text(top->ca_issuers.front(), 150) + ")";
    }
    // Nothing tells a missing intermediate from a root the verifier lacks.
    return out + (f.peer == PeerRole::none ? "; if that issuer is a root, add it to the store"
                                           : "; if that issuer is a root, trust it instead (--cafile)");
  }
  kind = VerifyHint::unknown_issuer;
  std::string out = "the chain " + (f.peer == PeerRole::none ? std::string("given") : h.peer() + " sent") +
                    " ends at " + h.S(d) + ", issued by " + h.I(d) +
                    ", which is not in your trust store: trust that CA (--cafile), or " +
                    (f.peer == PeerRole::none ? std::string("pass its intermediates") : h.peer() + " sends a chain") +
                    " for another CA";
  return out;
}

std::string weak_key_hint(const hint_context& h) {
  const int d = h.f.depth;
  const CertSummary* c = h.at(d);
  static constexpr const char* rsa_bits[] = {"any", "1024", "2048", "3072", "7680", "15360"};
  static constexpr const char* security[] = {"any", "80", "112", "128", "192", "256"};
  const int level = std::clamp(h.f.security_level, 0, 5);
  return h.S(d) + " has " + (c != nullptr && !c->key.empty() ? "a key of " + c->key + " bits" : "a small key") +
         "; security level " + std::to_string(h.f.security_level) + " needs " + security[level] +
         "-bit security (RSA at least " + rsa_bits[level] + " bits): it must be reissued with a larger key";
}

std::string weak_signature_hint(const hint_context& h) {
  const int d = h.f.depth;
  const CertSummary* c = h.at(d);
  const std::string alg = c != nullptr && !c->signature_algorithm.empty() ? c->signature_algorithm : "a weak digest";
  return h.S(d) + " is signed with " + escape_text(alg, 60) + " by " + h.I(d) + "; security level " +
         std::to_string(h.f.security_level) + " refuses that digest: " + h.I(d) + " must reissue it with SHA-256";
}

std::string not_a_ca_hint(const hint_context& h) {
  const int d = h.f.depth;
  const CertSummary* c = h.at(d);
  std::string why = "it is not a CA";
  if (c != nullptr) {
    X509* x = c->certificate.native_handle();
    const std::uint32_t flags = ::X509_get_extension_flags(x);
    if ((flags & EXFLAG_BCONS) == 0) {
      why = "it has no basicConstraints";
    } else if ((flags & EXFLAG_CA) == 0) {
      why = "its basicConstraints say CA:FALSE";
    } else if ((flags & EXFLAG_KUSAGE) != 0 && (::X509_get_key_usage(x) & KU_KEY_CERT_SIGN) == 0) {
      why = "its keyUsage lacks keyCertSign";
    }
  }
  return h.S(d) + " signed " + h.S(d - 1) + " but may not sign certificates: " + why + "; " + h.I(d) +
         " must reissue it as a CA";
}

std::string path_length_hint(const hint_context& h) {
  const int d = h.f.depth;
  const CertSummary* c = h.at(d);
  int below = 0;
  std::string names;
  for (int i = 1; i < d; ++i) {
    if (const CertSummary* s = h.at(i); s != nullptr && s->ca && !s->self_issued) {
      ++below;
      names += (names.empty() ? "" : ", ") + h.S(i);
    }
  }
  const std::string limit = c != nullptr && c->path_len ? std::to_string(*c->path_len) : "?";
  return h.S(d) + " allows pathlen:" + limit + " CA certificate(s) below it; this chain has " + std::to_string(below) +
         (names.empty() ? "" : " (" + names + ")") + ": send a chain through a CA that may issue it";
}

std::string name_constraints_hint(const hint_context& h) {
  const int d = h.f.depth;
  const CertSummary* c = h.at(d);
  std::string constraint;
  int j = d + 1;
  for (; h.has(j); ++j) {
    for (const Extension& e : h.at(j)->certificate.extensions()) {
      if (e.short_name == "nameConstraints") {
        constraint = e.text;
      }
    }
    if (!constraint.empty()) {
      break;
    }
  }
  std::string flat;  // OpenSSL renders it on several lines
  for (const char ch : constraint) {
    if (ch == '\n' || ch == '\r' || ch == ' ') {
      if (!flat.empty() && flat.back() != ' ') {
        flat += ' ';
      }
    } else {
      flat += ch;
    }
  }
  std::string out = h.S(d) + " names " +
                    (c != nullptr ? names_list(c->subject_alt_names, c->san_omitted) : std::string("names")) +
                    " outside the name constraints of ";
  out += h.has(j) ? h.S(j) + " (" + escape_text(flat, 150) + ")" : std::string("a CA above it");
  return out + ": it needs a certificate from a CA allowed to issue those names";
}

std::string critical_extension_hint(const hint_context& h) {
  const int d = h.f.depth;
  std::string oids;
  if (const CertSummary* c = h.at(d)) {
    X509* x = c->certificate.native_handle();
    for (int i = 0; i < ::X509_get_ext_count(x); ++i) {
      X509_EXTENSION* ext = ::X509_get_ext(x, i);
      if (::X509_EXTENSION_get_critical(ext) == 1 && ::X509_supported_extension(ext) == 0) {
        char buf[128];
        if (::OBJ_obj2txt(buf, sizeof buf, ::X509_EXTENSION_get_object(ext), 1) > 0) {
          oids += (oids.empty() ? "" : ", ") + std::string(buf);
        }
      }
    }
  }
  return h.S(d) + " has a critical extension OpenSSL does not know" + (oids.empty() ? "" : " (OID " + oids + ")") +
         ": every verifier must reject it; " + h.I(d) + " must reissue it without";
}

std::string revoked_hint(const hint_context& h) {
  const int d = h.f.depth;
  const CertSummary* c = h.at(d);
  std::string out = "certificate " + h.S(d) + (c != nullptr ? " (serial " + escape_text(c->serial, 80) + ")" : "") +
                    " was revoked";
  if (const auto& r = h.f.revocation) {
    out += " on " + format_utc(r->when);
    if (!r->reason.empty()) {
      out += " (reason: " + r->reason + ")";
    }
    out += " by the CRL of '" + escape_text(r->source, max_quoted) + "'";
  } else if (!h.in.extra.empty()) {
    out += " (" + escape_text(h.in.extra, 150) + ")";
  }
  if (d > 0) {
    return out + ": " + (h.f.peer == PeerRole::none ? std::string("the chain") : h.peer()) +
           " must go through a current intermediate";
  }
  return out + ": " + (h.f.peer == PeerRole::none ? std::string("its owner") : h.peer()) +
         " must get a new certificate";
}

std::string revocation_unknown_hint(const hint_context& h) {
  const int d = h.f.depth;
  const long code = h.f.code;
  if (code == X509_V_ERR_UNABLE_TO_GET_CRL || code == X509_V_ERR_DIFFERENT_CRL_SCOPE) {
    return "CRL checking is on but there is no CRL from " + h.I(d) + " for " + h.S(d) +
           ": load it (CertStore::add_crl, --crlfile) or turn CRL checking off";
  }
  const std::string why = ::X509_verify_cert_error_string(code);
  return "the CRL from " + h.I(d) + " for " + h.S(d) + " cannot be used (" + why + "; " + h.now_word() + " " +
         format_utc(h.f.checked_at) + "): load a current CRL";
}

std::string ocsp_hint(const hint_context& h) {
  std::string out = std::string(::X509_verify_cert_error_string(h.f.code));
  if (!h.in.extra.empty()) {
    out += ": " + escape_text(h.in.extra, 200);
  }
  if (h.f.code == X509_V_ERR_OCSP_VERIFY_NEEDED) {
    out += "; " + h.peer() + " sent no usable OCSP staple and OcspCheck::required needs one";
  }
  if (h.f.resumed) {
    out += "; the resumed session was made without the check this connection needs";
  }
  return out;
}

std::string generic_hint(const hint_context& h) {
  const int d = h.f.depth;
  std::string out = verify_message(h.f.code, h.f.checked_name);
  if (h.has(d)) {
    out = escape_text(out, 200) + " at " + h.S(d) + " (depth " + std::to_string(d) + ")";
  } else {
    out = escape_text(out, 200);
  }
  if (h.f.resumed) {
    out += "; the verdict was recorded when the resumed session was made";
  }
  return out;
}

bool in(long code, std::initializer_list<long> codes) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

// cut keeps a hint within max_hint bytes without splitting a \xNN escape.
void cut(std::string& hint) {
  if (hint.size() <= max_hint) {
    return;
  }
  std::size_t end = max_hint - 3;
  const std::size_t slash = hint.rfind('\\', end);
  if (slash != std::string::npos && end - slash < 4) {
    end = slash;
  }
  hint.resize(end);
  hint += "...";
}

}  // namespace

void write_hint(VerifyFailure& f, const explain_input& in_) {
  hint_context h{f, in_};
  const long code = f.code;
  const int d = f.depth;
  VerifyHint kind = VerifyHint::other;
  std::string hint;
  const bool refused_ok = in_.capture != nullptr && in_.capture->code == code && in_.capture->preverify_ok;
  if (f.resumed || !h.has(d)) {
    // No chain to point into (a resumed session's verdict, a callback set
    // through native_handle()): OpenSSL's reason, and what is known.
    const bool ocsp = !in_.extra.empty() ||
                      in(code, {X509_V_ERR_OCSP_VERIFY_NEEDED, X509_V_ERR_OCSP_VERIFY_FAILED,
                                X509_V_ERR_OCSP_CERT_UNKNOWN});
    hint = ocsp ? ocsp_hint(h) : generic_hint(h);
    kind = ocsp ? VerifyHint::ocsp : VerifyHint::other;
  } else if (code == X509_V_ERR_APPLICATION_VERIFICATION && refused_ok) {
    kind = VerifyHint::rejected_by_callback;
    hint = "your verify callback (set_verify) rejected " + h.S(d) + " at depth " + std::to_string(d) +
           "; OpenSSL found nothing wrong with it";
  } else if (code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT || code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
             code == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE) {
    hint = missing_issuer_hint(h, kind);
  } else if (code == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT) {
    kind = VerifyHint::self_signed;
    const CertSummary* leaf = h.at(0);
    hint = (f.peer == PeerRole::none ? std::string("the certificate") : h.peer() + "'s certificate") + " " + h.S(0) +
           " is self-signed and not in your trust store: trust exactly this certificate" +
           (leaf != nullptr ? " (sha256 " + leaf->sha256 + ")" : std::string()) +
           " if you expect it; otherwise the connection may be intercepted";
  } else if (code == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN) {
    kind = VerifyHint::untrusted_root;
    hint = "the chain ends at the self-signed root " + h.S(d) + " (sent by " + h.peer() +
           "), which is not in your trust store: trust it if it is your private CA or your TLS-inspecting proxy's; "
           "otherwise the connection may be intercepted";
    if (in_.capture != nullptr && in_.capture->same_name_anchors &&
        sk_X509_num(in_.capture->same_name_anchors.get()) > 0) {
      hint += "; your trust store has a CA of that name with another key";
    }
  } else if (code == X509_V_ERR_CERT_HAS_EXPIRED) {
    kind = VerifyHint::expired;
    hint = time_hint(h, true);
  } else if (code == X509_V_ERR_CERT_NOT_YET_VALID) {
    kind = VerifyHint::not_yet_valid;
    hint = time_hint(h, false);
  } else if (in(code, {X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD, X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD})) {
    kind = VerifyHint::bad_time_field;
    hint = "certificate " + h.S(d) + " has a malformed " +
           (code == X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD ? "notBefore" : "notAfter") + " field: its issuer " +
           h.I(d) + " must reissue it";
  } else if (code == X509_V_ERR_HOSTNAME_MISMATCH) {
    kind = VerifyHint::hostname_mismatch;
    hint = hostname_hint(h);
  } else if (code == X509_V_ERR_IP_ADDRESS_MISMATCH) {
    kind = VerifyHint::ip_mismatch;
    hint = hostname_hint(h);
  } else if (code == X509_V_ERR_INVALID_PURPOSE) {
    kind = VerifyHint::wrong_purpose;
    const CertSummary* c = h.at(d);
    const std::string ekus = c != nullptr ? join(c->ext_key_usage) : "other purposes";
    hint = d <= 0 ? "certificate " + h.S(0) + " is not for " + h.purpose() + ": its extendedKeyUsage allows only " + ekus
                  : "intermediate " + h.S(d) + " limits what it issues to " + ekus + ", which excludes " + h.purpose();
  } else if (in(code, {X509_V_ERR_INVALID_CA, X509_V_ERR_INVALID_NON_CA, X509_V_ERR_KEYUSAGE_NO_CERTSIGN,
                       X509_V_ERR_NO_ISSUER_PUBLIC_KEY})) {
    kind = VerifyHint::not_a_ca;
    hint = not_a_ca_hint(h);
  } else if (code == X509_V_ERR_PATH_LENGTH_EXCEEDED) {
    kind = VerifyHint::path_length;
    hint = path_length_hint(h);
  } else if (code == X509_V_ERR_CERT_CHAIN_TOO_LONG) {
    kind = VerifyHint::chain_too_long;
    hint = "the chain is longer than your verify depth allows (Context::set_verify_depth, VerifyOptions::depth)";
  } else if (in(code, {X509_V_ERR_PERMITTED_VIOLATION, X509_V_ERR_EXCLUDED_VIOLATION,
                       X509_V_ERR_SUBTREE_MINMAX, X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE,
                       X509_V_ERR_UNSUPPORTED_NAME_SYNTAX})) {
    kind = VerifyHint::name_constraints;
    hint = name_constraints_hint(h);
  } else if (code == X509_V_ERR_CERT_REVOKED && in_.extra.empty()) {
    kind = VerifyHint::revoked;
    hint = revoked_hint(h);
  } else if (in(code, {X509_V_ERR_UNABLE_TO_GET_CRL, X509_V_ERR_DIFFERENT_CRL_SCOPE, X509_V_ERR_CRL_HAS_EXPIRED,
                       X509_V_ERR_CRL_NOT_YET_VALID, X509_V_ERR_CRL_SIGNATURE_FAILURE,
                       X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE, X509_V_ERR_KEYUSAGE_NO_CRL_SIGN,
                       X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER, X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD,
                       X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD})) {
    kind = VerifyHint::revocation_unknown;
    hint = revocation_unknown_hint(h);
  } else if (!in_.extra.empty() ||
             in(code, {X509_V_ERR_OCSP_VERIFY_NEEDED, X509_V_ERR_OCSP_VERIFY_FAILED, X509_V_ERR_OCSP_CERT_UNKNOWN})) {
    kind = code == X509_V_ERR_CERT_REVOKED ? VerifyHint::revoked : VerifyHint::ocsp;
    hint = code == X509_V_ERR_CERT_REVOKED ? revoked_hint(h) : ocsp_hint(h);
  } else if (in(code, {X509_V_ERR_EE_KEY_TOO_SMALL, X509_V_ERR_CA_KEY_TOO_SMALL})) {
    kind = VerifyHint::weak_key;
    hint = weak_key_hint(h);
  } else if (code == X509_V_ERR_CA_MD_TOO_WEAK) {
    kind = VerifyHint::weak_signature;
    hint = weak_signature_hint(h);
  } else if (in(code, {X509_V_ERR_CERT_SIGNATURE_FAILURE, X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE,
                       X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY})) {
    kind = VerifyHint::bad_signature;
    hint = "the signature on " + h.S(d) + " does not verify with the key of " + h.I(d) +
           ": the certificate was altered, or two CAs share that name";
  } else if (code == X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION) {
    kind = VerifyHint::critical_extension;
    hint = critical_extension_hint(h);
  } else if ((code >= 80 && code <= 94) || in(code, {41, 42, 43})) {
    kind = VerifyHint::strict_profile;
    hint = h.S(d) + " breaks a rule of RFC 5280 that VERIFY_X509_STRICT enforces (create_default_context sets it): " +
           ::X509_verify_cert_error_string(code) + "; its issuer should reissue it";
  } else if (in(code, {X509_V_ERR_CERT_UNTRUSTED, X509_V_ERR_CERT_REJECTED})) {
    kind = VerifyHint::untrusted_root;
    hint = h.S(d) + " is in your trust store but marked as not trusted for " + h.purpose();
  } else {
    hint = generic_hint(h);
  }
  if (kind != VerifyHint::rejected_by_callback && in_.capture != nullptr && in_.capture->code == code &&
      in_.capture->callback_refused) {
    hint += "; your verify callback did not accept it";
  }
  cut(hint);
  f.kind = kind;
  f.hint = std::move(hint);
}

std::string escape_text(std::string_view s, std::size_t limit) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (const char ch : s) {
    if (out.size() >= limit) {
      out += "...";
      break;
    }
    const auto b = static_cast<unsigned char>(ch);
    if (b < 0x20 || b >= 0x7f) {
      out += "\\x";
      out += hex[b >> 4];
      out += hex[b & 0xf];
    } else {
      out += ch;
    }
  }
  return out;
}

std::string format_utc(std::chrono::sys_seconds t) {
  const std::time_t tt = static_cast<std::time_t>(t.time_since_epoch().count());
  std::tm tm{};
  if (::gmtime_r(&tt, &tm) == nullptr) {
    return "(a time out of range)";
  }
  char buf[40];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return std::string(buf, n);
}

}  // namespace sslpp::detail
