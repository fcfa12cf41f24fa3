#include "output.hpp"

#include <algorithm>
#include <new>
#include <ostream>

#include "decode_values.hpp"
#include "options.hpp"

namespace sslpp::cli {

namespace {

// one_line keeps a message on its line: the error report is one line.
std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') {
      c = ' ';
    }
  }
  return text;
}

std::optional<std::string> non_empty(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

// The format_ functions show certificate fields, which the peer chose
// (--showcerts shows certificates nobody verified): control bytes escaped.

std::string format_name(const DistinguishedName& name) {
  std::string out;
  for (const RDN& rdn : name) {
    for (const auto& [key, value] : rdn) {
      out += (out.empty() ? "" : ", ") + escape_control_bytes(key) + "=" + escape_control_bytes(value);
    }
  }
  return out;
}

std::string format_alt_names(const std::vector<GeneralName>& names) {
  std::string out;
  for (const GeneralName& n : names) {
    out += (out.empty() ? "" : ", ") + n.type + ":" +
           (n.type == "DirName" ? format_name(n.dirname) : escape_control_bytes(n.value));
  }
  return out;
}

std::string format_list(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    out += (out.empty() ? "" : ", ") + escape_control_bytes(item);
  }
  return out;
}

}  // namespace

ErrorReport describe_exception(const std::exception_ptr& error) {
  ErrorReport r;
  try {
    std::rethrow_exception(error);
  } catch (const BadInput& e) {
    return e.report();
  } catch (const UsageError& e) {
    r.class_name = "UsageError";
    r.message = e.what();
    r.exit_status = exit_bad_input;
  } catch (const OSError& e) {
    // Every sslpp exception below OSError names itself, most-derived first.
    const ErrorInfo& info = e.info();
    r.class_name = e.class_name();
    r.message = e.what();
    r.library = non_empty(info.library);
    r.reason = non_empty(info.reason);
    if (info.verify_code != 0) {
      r.verify_code = info.verify_code;
      r.verify_message = info.verify_message;
      r.verify_failure = info.verify_failure;
    }
  } catch (const ValueError& e) {
    r.class_name = e.class_name();
    r.message = e.what();
    r.exit_status = exit_bad_input;
  } catch (const std::bad_alloc&) {
    r.class_name = "MemoryError";
    r.message = "out of memory";
  } catch (const std::exception& e) {
    // Not an sslpp exception: a bug or an exhausted resource, not bad input.
    r.class_name = "RuntimeError";
    r.message = e.what();
  } catch (...) {
    r.class_name = "RuntimeError";
    r.message = "unknown exception";
  }
  r.message = one_line(std::move(r.message));
  return r;
}

std::string error_line(const ErrorReport& report) {
  std::string line = report.class_name + ": " + report.message;
  if (report.verify_code) {
    line += " (verify_code=" + std::to_string(*report.verify_code) + ")";
  }
  return line;
}

std::string error_json(const ErrorReport& report) {
  JsonObject inner;
  inner.string("class", report.class_name)
      .optional_string("library", report.library)
      .optional_string("reason", report.reason)
      .raw("verify_code", report.verify_code ? std::to_string(*report.verify_code) : "null")
      .optional_string("verify_message", report.verify_message)
      .string("message", report.message);
  const VerifyFailure* f = report.verify_failure.get();
  inner.raw("depth", f != nullptr ? std::to_string(f->depth) : "null")
      .raw("hint", f != nullptr ? json_quote(f->hint) : "null")
      .raw("chain", f != nullptr ? f->to_json() : "null");
  return JsonObject().raw("error", inner.str()).str();
}

std::string escape_control_bytes(std::string_view text, std::string_view keep, std::string_view also) {
  // decode's terminal_text is the one judge of what a terminal may see;
  // here only the characters kept or escaped besides cut the text.
  std::string out;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool kept = keep.find(c) != std::string_view::npos;
    if (kept || also.find(c) != std::string_view::npos) {
      out += terminal_text(text.substr(start, i - start));
      out += kept ? std::string(1, c) : "\\x" + std::string(1, "0123456789abcdef"[(c >> 4) & 15]) +
                                            std::string(1, "0123456789abcdef"[c & 15]);
      start = i + 1;
    }
  }
  return out + terminal_text(text.substr(start));
}

void print_verify_failure(std::ostream& out, const ErrorReport& report) {
  if (report.verify_failure) {
    out << report.verify_failure->to_text() << std::flush;
  }
}

void append_json_string(std::string& out, std::string_view s) {
  const bool plain =
      std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; });
  if (!plain) {
    out += json_quote(s);
    return;
  }
  out += '"';
  out += s;
  out += '"';
}

void JsonObject::key(std::string_view name) {
  if (body_.size() > 1) {
    body_ += ", ";
  }
  append_json_string(body_, name);
  body_ += ": ";
}

JsonObject& JsonObject::raw(std::string_view name, std::string_view json) {
  key(name);
  body_ += json;
  return *this;
}

JsonObject& JsonObject::string(std::string_view name, std::string_view value) {
  key(name);
  append_json_string(body_, value);
  return *this;
}

JsonObject& JsonObject::optional_string(std::string_view name, const std::optional<std::string>& value) {
  if (!value) {
    return raw(name, "null");
  }
  return string(name, *value);
}

JsonObject& JsonObject::number(std::string_view name, long long value) { return raw(name, std::to_string(value)); }

JsonObject& JsonObject::boolean(std::string_view name, bool value) { return raw(name, value ? "true" : "false"); }

std::string json_cipher(const std::optional<CipherInfo>& cipher) {
  if (!cipher) {
    return "null";
  }
  return "[" + json_quote(cipher->name) + ", " + json_quote(cipher->protocol) + ", " +
         std::to_string(cipher->secret_bits) + "]";
}

SessionFacts facts_of(const Connection& tls) {
  SessionFacts f;
  f.version = tls.version();
  f.cipher = tls.cipher();
  f.alpn = tls.selected_alpn_protocol();
  f.server_hostname = tls.server_hostname();
  f.session_reused = tls.session_reused();
  f.peercert = tls.getpeercert();
  if (const auto der = tls.getpeercert_der()) {
    f.peercert_sha256 = Certificate::from_der(*der).sha256_fingerprint();
  }
  return f;
}

std::vector<ChainCertificate> chain_of(const Connection& tls) {
  std::vector<ChainCertificate> chain;
  for (const Certificate& cert : tls.get_unverified_chain()) {
    chain.push_back({cert.decode(), cert.sha256_fingerprint(), cert.pem()});
  }
  return chain;
}

OcspStaple staple_of(const Connection& tls) {
  OcspStaple staple;
  const auto der = tls.ocsp_response();
  if (!der || der->empty()) {
    return staple;
  }
  try {
    staple.response = describe_ocsp_response(*der);
  } catch (const ValueError& e) {
    // The server's bytes, not the user's input: reported, not exit 2.
    staple.error = std::string("the server stapled ") + std::to_string(der->size()) + " bytes that are " + e.what();
  }
  return staple;
}

namespace {

std::string chain_json(const std::vector<ChainCertificate>& chain) {
  std::string out = "[";
  for (const ChainCertificate& c : chain) {
    out += (out.size() > 1 ? ", " : "") +
           JsonObject().raw("decoded", c.decoded.to_json()).string("sha256", c.sha256).string("pem", c.pem).str();
  }
  return out + "]";
}

std::string ocsp_json(const OcspStaple& staple) {
  if (staple.error) {
    return JsonObject().raw("response_status", "null").string("error", *staple.error).str();
  }
  if (!staple.response) {
    return "null";
  }
  std::string certs = "[";
  for (const OcspCertStatus& c : staple.response->certificates) {
    certs += (certs.size() > 1 ? ", " : "") + JsonObject()
                                                  .string("serial_number", c.serial_number)
                                                  .string("status", c.status)
                                                  .string("this_update", c.this_update)
                                                  .optional_string("next_update", c.next_update)
                                                  .optional_string("revocation_time", c.revocation_time)
                                                  .optional_string("revocation_reason", c.revocation_reason)
                                                  .str();
  }
  return JsonObject()
      .string("response_status", staple.response->response_status)
      .optional_string("produced_at", staple.response->produced_at)
      .raw("certificates", certs + "]")
      .str();
}

void print_chain(std::ostream& out, const std::vector<ChainCertificate>& chain) {
  out << "peer chain:      " << chain.size() << " certificate" << (chain.size() == 1 ? "" : "s")
      << " as the server sent them (not necessarily verified)\n";
  for (std::size_t i = 0; i < chain.size(); ++i) {
    out << "  [" << i << "]\n";
    print_certificate(out, chain[i].decoded, "    ");
    out << "    sha256:         " << chain[i].sha256 << "\n";
    out << chain[i].pem;
  }
}

void print_ocsp(std::ostream& out, const OcspStaple& staple) {
  if (staple.error) {
    out << "OCSP response:   " << *staple.error << "\n";
    return;
  }
  if (!staple.response) {
    out << "OCSP response:   none (the server stapled no OCSP response)\n";
    return;
  }
  out << "OCSP response:   " << staple.response->response_status;
  if (staple.response->produced_at) {
    out << ", produced " << *staple.response->produced_at;
  }
  out << " (shown, not checked)\n";
  for (const OcspCertStatus& c : staple.response->certificates) {
    out << "  serial " << c.serial_number << ": " << c.status;
    if (c.revocation_time) {
      out << " since " << *c.revocation_time;
    }
    if (c.revocation_reason) {
      out << " (" << *c.revocation_reason << ")";
    }
    out << "\n    this update:  " << c.this_update << "\n";
    out << "    next update:  " << c.next_update.value_or("(none given)") << "\n";
  }
}

}  // namespace

std::string session_json(const SessionFacts& f) {
  JsonObject json;
  json
      .optional_string("version", f.version)
      .raw("cipher", json_cipher(f.cipher))
      .optional_string("alpn", f.alpn)
      .optional_string("server_hostname", f.server_hostname)
      .boolean("session_reused", f.session_reused)
      .raw("peercert", f.peercert ? f.peercert->to_json() : "null")
      .optional_string("peercert_sha256", f.peercert_sha256)
      .optional_string("received", f.received)
      .optional_string("end_of_stream", f.end_of_stream);
  // Keys that only their option adds: the default object stays as it was.
  if (f.peer_chain) {
    json.raw("peer_chain", chain_json(*f.peer_chain));
  }
  if (f.ocsp) {
    json.raw("ocsp", ocsp_json(*f.ocsp));
  }
  if (f.srtp_profile) {
    json.optional_string("srtp_profile", *f.srtp_profile);
  }
  return json.str();
}

void print_session(std::ostream& out, const SessionFacts& f) {
  out << "version:         " << f.version.value_or("(none)") << "\n";
  if (f.cipher) {
    out << "cipher:          " << f.cipher->name << " (" << f.cipher->protocol << ", " << f.cipher->secret_bits
        << " secret bits)\n";
  }
  out << "alpn:            " << f.alpn.value_or("(none)") << "\n";
  out << "server hostname: " << f.server_hostname.value_or("(none)") << "\n";
  out << "session reused:  " << (f.session_reused ? "yes" : "no") << "\n";
  if (f.peercert_sha256) {
    out << "peer sha256:     " << *f.peercert_sha256 << "\n";
  }
  if (!f.peercert) {
    out << "peer certificate: none\n";
  } else if (f.peercert->empty()) {
    out << "peer certificate: not verified, so not decoded (--verify none)\n";
  } else {
    out << "peer certificate:\n";
    print_certificate(out, *f.peercert, "  ");
  }
  if (f.received) {
    out << "received:        " << f.received->size() << " bytes: " << json_quote(*f.received) << "\n";
  }
  if (f.end_of_stream == "truncated") {
    out << "end of stream:   TCP closed without close_notify: the reply may be truncated\n";
  } else if (f.end_of_stream) {
    out << "end of stream:   " << *f.end_of_stream << "\n";
  }
  if (f.srtp_profile) {
    out << "srtp profile:    " << f.srtp_profile->value_or("(none agreed)") << "\n";
  }
  if (f.ocsp) {
    print_ocsp(out, *f.ocsp);
  }
  if (f.peer_chain) {
    print_chain(out, *f.peer_chain);
  }
}

void print_certificate(std::ostream& out, const CertInfo& cert, std::string_view indent) {
  out << indent << "subject:        " << format_name(cert.subject) << "\n";
  out << indent << "issuer:         " << format_name(cert.issuer) << "\n";
  out << indent << "serial number:  " << cert.serialNumber << "\n";
  out << indent << "not before:     " << cert.notBefore << "\n";
  out << indent << "not after:      " << cert.notAfter << "\n";
  if (cert.subjectAltName) {
    out << indent << "subjectAltName: " << format_alt_names(*cert.subjectAltName) << "\n";
  }
  if (cert.OCSP) {
    out << indent << "OCSP:           " << format_list(*cert.OCSP) << "\n";
  }
  if (cert.caIssuers) {
    out << indent << "caIssuers:      " << format_list(*cert.caIssuers) << "\n";
  }
  if (cert.crlDistributionPoints) {
    out << indent << "CRL points:     " << format_list(*cert.crlDistributionPoints) << "\n";
  }
}

}  // namespace sslpp::cli
