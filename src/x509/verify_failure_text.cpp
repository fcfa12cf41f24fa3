// The two renderings of a VerifyFailure: the marked chain `sslpp connect`
// prints for a person (ASCII, peer strings escaped) and the `error.chain`
// object of its --json (strings through json_quote).
#include <sslpp/verify_failure.hpp>

#include <string>
#include <string_view>

#include "x509/verify_explain.hpp"

namespace sslpp {

namespace {

using detail::escape_text;
using detail::format_utc;

constexpr std::size_t max_text_name = 200;

std::string iso_utc(std::chrono::sys_seconds t) {
  std::string s = format_utc(t);  // "YYYY-MM-DD HH:MM:SS UTC"
  if (s.size() == 23) {
    s[10] = 'T';
    s.resize(19);
    s += 'Z';
  }
  return s;
}

std::string json_time(const std::optional<std::chrono::sys_seconds>& t) {
  return t ? json_quote(iso_utc(*t)) : "null";
}

std::string json_strings(const std::vector<std::string>& v) {
  std::string out = "[";
  for (const std::string& s : v) {
    out += (out.size() > 1 ? ", " : "") + json_quote(s);
  }
  return out + "]";
}

std::string json_cert(const CertSummary& c) {
  std::string san = "[";
  for (const GeneralName& n : c.subject_alt_names) {
    san += (san.size() > 1 ? ", [" : "[") + json_quote(n.type) + ", " + json_quote(n.value) + "]";
  }
  san += "]";
  return "{\"subject\": " + json_quote(c.subject) + ", \"issuer\": " + json_quote(c.issuer) +
         ", \"serial\": " + json_quote(c.serial) + ", \"not_before\": " + json_time(c.not_before) +
         ", \"not_after\": " + json_time(c.not_after) + ", \"san\": " + san +
         ", \"san_omitted\": " + std::to_string(c.san_omitted) + ", \"sha256\": " + json_quote(c.sha256) +
         ", \"key\": " + json_quote(c.key) + ", \"signature_algorithm\": " + json_quote(c.signature_algorithm) +
         ", \"ca\": " + (c.ca ? "true" : "false") + ", \"self_issued\": " + (c.self_issued ? "true" : "false") +
         ", \"path_len\": " + (c.path_len ? std::to_string(*c.path_len) : "null") +
         ", \"ca_issuers\": " + json_strings(c.ca_issuers) + ", \"ext_key_usage\": " + json_strings(c.ext_key_usage) +
         ", \"from_peer\": " + (c.from_peer ? "true" : "false") +
         ", \"from_trust_store\": " + (c.from_trust_store ? "true" : "false") + "}";
}

std::string json_certs(const std::vector<CertSummary>& certs) {
  std::string out = "[";
  for (const CertSummary& c : certs) {
    out += (out.size() > 1 ? ", " : "") + json_cert(c);
  }
  return out + "]";
}

std::string_view peer_name(PeerRole p) {
  switch (p) {
    case PeerRole::server:
      return "server";
    case PeerRole::client:
      return "client";
    case PeerRole::none:
      break;
  }
  return "none";
}

// where says where the verifier got a certificate.
std::string where(const CertSummary& c, PeerRole peer) {
  const std::string sender = peer == PeerRole::none ? "given" : "sent by the " + std::string(peer_name(peer));
  if (c.from_peer && c.from_trust_store) {
    return sender + ", in your trust store";
  }
  if (c.from_peer) {
    return sender;
  }
  return c.from_trust_store ? "from your trust store" : "";
}

std::string names_line(const CertSummary& c) {
  std::string out;
  std::size_t shown = 0;
  for (const GeneralName& n : c.subject_alt_names) {
    if (shown++ == 10) {
      break;
    }
    out += (out.empty() ? "" : ", ") + escape_text(n.type == "IP Address" ? "IP" : n.type, 20) + ":" +
           escape_text(n.value, 100);
  }
  const std::size_t more = c.subject_alt_names.size() + c.san_omitted - std::min<std::size_t>(shown, 10);
  if (more > 0 && !out.empty()) {
    out += " and " + std::to_string(more) + " more";
  }
  return out.empty() ? "no names" : "names " + out;
}

// cert_lines renders one certificate of the chain: a marker column, the
// depth (or "-" for an unused one), the subject and where it came from.
std::string cert_lines(const CertSummary& c, std::string_view marker, const std::string& depth, PeerRole peer,
                       std::string_view note, std::chrono::sys_seconds now) {
  std::string out = " " + std::string(marker) + " " + depth + "  " + escape_text(c.subject, max_text_name);
  if (const std::string w = where(c, peer); !w.empty()) {
    out += "  (" + w + ")";
  }
  if (!note.empty()) {
    out += "  " + std::string(note);
  } else if (c.not_after && *c.not_after < now) {
    out += "  EXPIRED " + format_utc(*c.not_after);
  } else if (c.not_before && *c.not_before > now) {
    out += "  NOT YET VALID until " + format_utc(*c.not_before);
  }
  out += "\n      issuer " + escape_text(c.issuer, max_text_name) + "; valid " +
         (c.not_before ? format_utc(*c.not_before) : "(malformed)") + " .. " +
         (c.not_after ? format_utc(*c.not_after) : "(malformed)") + "\n      " + names_line(c) + "; " +
         (c.key.empty() ? "key unknown" : escape_text(c.key, 40)) + "; " + escape_text(c.signature_algorithm, 60) +
         "; sha256 " + c.sha256 + "\n";
  return out;
}

bool missing_issuer_code(long code) { return code == 2 || code == 20 || code == 21; }

}  // namespace

std::string_view to_string(VerifyHint kind) noexcept {
  switch (kind) {
    case VerifyHint::missing_intermediate: return "missing_intermediate";
    case VerifyHint::unknown_issuer: return "unknown_issuer";
    case VerifyHint::anchor_other_key: return "anchor_other_key";
    case VerifyHint::untrusted_root: return "untrusted_root";
    case VerifyHint::self_signed: return "self_signed";
    case VerifyHint::expired: return "expired";
    case VerifyHint::not_yet_valid: return "not_yet_valid";
    case VerifyHint::bad_time_field: return "bad_time_field";
    case VerifyHint::hostname_mismatch: return "hostname_mismatch";
    case VerifyHint::ip_mismatch: return "ip_mismatch";
    case VerifyHint::wrong_purpose: return "wrong_purpose";
    case VerifyHint::not_a_ca: return "not_a_ca";
    case VerifyHint::path_length: return "path_length";
    case VerifyHint::chain_too_long: return "chain_too_long";
    case VerifyHint::name_constraints: return "name_constraints";
    case VerifyHint::revoked: return "revoked";
    case VerifyHint::revocation_unknown: return "revocation_unknown";
    case VerifyHint::weak_key: return "weak_key";
    case VerifyHint::weak_signature: return "weak_signature";
    case VerifyHint::bad_signature: return "bad_signature";
    case VerifyHint::critical_extension: return "critical_extension";
    case VerifyHint::strict_profile: return "strict_profile";
    case VerifyHint::rejected_by_callback: return "rejected_by_callback";
    case VerifyHint::ocsp: return "ocsp";
    case VerifyHint::other: break;
  }
  return "other";
}

std::string VerifyFailure::to_json() const {
  std::string revoked = "null";
  if (revocation) {
    revoked = "{\"when\": " + json_quote(iso_utc(revocation->when)) + ", \"reason\": " + json_quote(revocation->reason) +
              ", \"source\": " + json_quote(revocation->source) + "}";
  }
  return std::string("{\"peer\": \"") + std::string(peer_name(peer)) + "\"" +
         ", \"checked_name\": " + (checked_name ? json_quote(*checked_name) : "null") +
         ", \"checked_at\": " + json_quote(iso_utc(checked_at)) +
         ", \"security_level\": " + std::to_string(security_level) + ", \"resumed\": " + (resumed ? "true" : "false") +
         ", \"hint_kind\": \"" + std::string(sslpp::to_string(kind)) + "\"" +
         ", \"missing_issuer\": " + (missing_issuer ? json_quote(*missing_issuer) : "null") +
         ", \"revocation\": " + revoked + ", \"sent_omitted\": " + std::to_string(sent_omitted) +
         ", \"sent\": " + json_certs(chain_sent) + ", \"built\": " + json_certs(chain_built) + "}";
}

std::string VerifyFailure::to_text() const {
  const std::string who = peer == PeerRole::none ? "the certificate given" : "the " + std::string(peer_name(peer));
  std::string out = "verification failed (verify_code=" + std::to_string(code) + ")";
  if (checked_name) {
    out += ": checked '" + escape_text(*checked_name, max_text_name) + "'";
  }
  out += (checked_name ? " at " : ": checked at ") + format_utc(checked_at) + ", security level " +
         std::to_string(security_level) + (resumed ? ", resumed session" : "") + "\n";
  if (chain_built.empty()) {
    out += "chain as built: not known";
    out += resumed ? " (a resumed session keeps no chain)\n" : "\n";
  } else {
    out += "chain as built (depth 0 = " + (peer == PeerRole::none ? who : who + "'s certificate") + "):\n";
  }
  const bool missing = missing_issuer_code(code) && missing_issuer && depth >= 0;
  for (std::size_t i = 0; i < chain_built.size(); ++i) {
    const bool failed = !missing && static_cast<int>(i) == depth;
    out += cert_lines(chain_built[i], failed ? "X" : " ", std::to_string(i), peer, "", checked_at);
    if (missing && static_cast<int>(i) == depth) {
      out += " X " + std::to_string(i + 1) + "  " + escape_text(*missing_issuer, max_text_name) +
             "  MISSING: not sent, not in your trust store\n";
      if (!chain_built[i].ca_issuers.empty()) {
        out += "      published at " + escape_text(chain_built[i].ca_issuers.front(), max_text_name) +
               " (authorityInfoAccess)\n";
      }
    }
  }
  // Sent certificates the chain did not use (a stale intermediate, a stray root).
  for (const CertSummary& s : chain_sent) {
    bool used = false;
    for (const CertSummary& b : chain_built) {
      used = used || b.sha256 == s.sha256;
    }
    if (!used && !chain_built.empty()) {
      out += cert_lines(s, " ", "-", peer, "NOT USED", checked_at);
    }
  }
  const std::size_t sent = chain_sent.size() + sent_omitted;
  if (peer != PeerRole::none || sent > 1) {
    out += who + (peer == PeerRole::none ? " came with " : " sent ") + std::to_string(sent) + " certificate" +
           (sent == 1 ? "" : "s") + ".\n";
  }
  out += "hint: " + hint + "\n";
  return out;
}

}  // namespace sslpp
