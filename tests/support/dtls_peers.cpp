#include "support/dtls_peers.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <utility>

namespace sslpp::test {

namespace {

// openssl_args are the DTLS options s_server and s_client spell alike.
std::vector<std::string> openssl_args(const DtlsPeerOptions& o) {
  std::vector<std::string> a{"-dtls1_2"};
  if (!o.srtp.empty()) {
    a.insert(a.end(), {"-use_srtp", o.srtp});
  }
  if (o.mtu > 0) {
    a.insert(a.end(), {"-mtu", std::to_string(o.mtu)});
  }
  if (o.keymat > 0) {
    a.insert(a.end(), {"-keymatexport", kSrtpExporterLabel, "-keymatexportlen", std::to_string(o.keymat)});
  }
  return a;
}

// gnutls_args are the DTLS options gnutls-serv and gnutls-cli spell alike.
std::vector<std::string> gnutls_args(const DtlsPeerOptions& o) {
  std::vector<std::string> a{"--udp"};
  if (!o.srtp.empty()) {
    a.push_back("--srtp-profiles=" + gnutls_srtp_names(o.srtp));
  }
  if (o.mtu > 0) {
    a.push_back("--mtu=" + std::to_string(o.mtu));
  }
  if (o.keymat > 0) {
    a.push_back(std::string("--keymatexport=") + kSrtpExporterLabel);
    a.push_back("--keymatexportsize=" + std::to_string(o.keymat));
  }
  return a;
}

void append(std::vector<std::string>& to, const std::vector<std::string>& more) {
  to.insert(to.end(), more.begin(), more.end());
}

// value_after is the rest of the last line of `text` that contains `prefix`,
// after it, without trailing blanks; empty when no line does.
std::string value_after(const std::string& text, std::string_view prefix) {
  const std::size_t at = text.rfind(prefix);
  if (at == std::string::npos) {
    return {};
  }
  const std::size_t from = at + prefix.size();
  const std::size_t end = text.find('\n', from);
  std::string v = text.substr(from, end == std::string::npos ? std::string::npos : end - from);
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back())) != 0) {
    v.pop_back();
  }
  return v;
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// openssl_srtp_name is the inverse of gnutls_srtp_names for one name.
std::string openssl_srtp_name(std::string name) {
  if (const std::size_t at = name.find("_HMAC_SHA1_"); at != std::string::npos) {
    name.erase(at, 5);  // "_HMAC_SHA1_" -> "_SHA1_"
  }
  return name;
}

}  // namespace

std::string gnutls_srtp_names(std::string_view openssl_names) {
  std::string out;
  std::size_t from = 0;
  while (from <= openssl_names.size()) {
    std::size_t end = openssl_names.find(':', from);
    if (end == std::string_view::npos) {
      end = openssl_names.size();
    }
    std::string name(openssl_names.substr(from, end - from));
    if (const std::size_t at = name.find("_CM_SHA1_"); at != std::string::npos) {
      name.insert(at + 4, "HMAC_");  // "_CM_SHA1_" -> "_CM_HMAC_SHA1_"
    }
    out += (out.empty() ? "" : ":") + name;
    from = end + 1;
  }
  return out;
}

SServer start_dtls_s_server(const DtlsPeerOptions& o, int connections, const CredentialFiles* creds) {
  std::vector<std::string> extra = openssl_args(o);
  if (o.cookie) {
    extra.emplace_back("-listen");
  }
  if (o.client_cert) {
    append(extra, {"-Verify", "1", "-CAfile", path(pki().ca_file), "-verify_return_error"});
  }
  append(extra, o.extra);
  return start_s_server(creds != nullptr ? *creds : pki().server, extra, connections);
}

std::unique_ptr<Subprocess> start_dtls_s_client(std::uint16_t port, const DtlsPeerOptions& o) {
  std::vector<std::string> argv{SSLPP_OPENSSL,       "s_client",  "-connect", "127.0.0.1:" + std::to_string(port),
                                "-CAfile",           path(pki().ca_file),     "-verify_hostname",
                                "localhost",         "-verify_return_error"};
  append(argv, openssl_args(o));
  if (o.client_cert) {
    append(argv, {"-cert", path(pki().client.cert), "-key", path(pki().client.key)});
  }
  append(argv, o.extra);
  return std::make_unique<Subprocess>(std::move(argv));
}

GnutlsServer start_gnutls_udp_server(const DtlsPeerOptions& o, const CredentialFiles* creds) {
  std::vector<std::string> extra = gnutls_args(o);
  if (o.client_cert) {
    append(extra, {"--require-client-cert", "--verify-client-cert", "--x509cafile", path(pki().ca_file)});
  }
  append(extra, o.extra);
  return GnutlsServer(creds != nullptr ? *creds : pki().server, extra);
}

std::unique_ptr<Subprocess> start_gnutls_udp_client(std::uint16_t port, const DtlsPeerOptions& o) {
  std::vector<std::string> extra = gnutls_args(o);
  append(extra, o.extra);
  return std::make_unique<Subprocess>(gnutls_cli_argv(port, std::move(extra)));
}

std::optional<DtlsReport> wait_for_dtls_handshake(Subprocess& proc, DtlsPeer peer, bool keymat,
                                                  std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  const auto wait = [&](std::string_view needle) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return proc.wait_for_line(needle, std::max(left, std::chrono::milliseconds(0))).has_value();
  };
  // The line each peer prints last among the ones the report needs.
  switch (peer) {
    case DtlsPeer::openssl_server:
      // The SRTP line sits between "CIPHER is" and this one.
      if (!wait("Secure Renegotiation")) {
        return std::nullopt;
      }
      break;
    case DtlsPeer::openssl_client:
      if (!wait("Verify return code:")) {
        return std::nullopt;
      }
      break;
    case DtlsPeer::gnutls_client:
      // Its SRTP and key lines come before this one.
      if (!wait("- Handshake was completed")) {
        return std::nullopt;
      }
      break;
  }
  if (keymat && peer != DtlsPeer::gnutls_client && !wait("Keying material:")) {
    return std::nullopt;
  }
  const std::string& out = proc.stdout_seen();
  DtlsReport r;
  if (peer == DtlsPeer::gnutls_client) {
    r.srtp_profile = openssl_srtp_name(value_after(out, "- SRTP profile: "));
    r.keying_material = upper(value_after(out, "- Key material: "));
  } else {
    r.srtp_profile = value_after(out, "SRTP Extension negotiated, profile=");
    r.keying_material = value_after(out, "Keying material: ");
  }
  return r;
}

}  // namespace sslpp::test
