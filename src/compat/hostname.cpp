#include <sslpp/hostname.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <locale.h>
#include <netinet/in.h>
#include <wctype.h>

#include <sslpp/error.hpp>

#include "internal/error_queue.hpp"
#include "compat/python_text.hpp"

namespace sslpp {


namespace {

[[noreturn]] void throw_certificate_error(const std::string& message) {
  throw_error(error_info(errc::hostname_mismatch, message));
}

// inet_paton is Python's ssl._inet_paton: the packed address (4 or 16 bytes)
// when `name` is a canonical IPv4 dotted quad or an IPv6 address. Otherwise
// it returns nothing and puts in `error` the message of the ValueError Python
// raises (match_hostname swallows it for the hostname, not for a
// certificate's "IP Address" entry).
std::optional<std::string> inet_paton(std::string_view name, std::string& error) {
  const std::u32string text = detail::decode_surrogateescape(name);
  // Python hands the name to the C functions as UTF-8; a string holding
  // escaped bytes (lone surrogates) cannot be encoded and fails first.
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] >= 0xDC80 && text[i] <= 0xDCFF) {
      std::size_t end = i + 1;
      while (end < text.size() && text[end] >= 0xDC80 && text[end] <= 0xDCFF) {
        ++end;
      }
      if (end == i + 1) {
        std::string hex;
        static constexpr char kHex[] = "0123456789abcdef";
        hex += kHex[(text[i] >> 4) & 0xF];
        hex += kHex[text[i] & 0xF];
        error = "'utf-8' codec can't encode character '\\udc" + hex + "' in position " + std::to_string(i) +
                ": surrogates not allowed";
      } else {
        error = "'utf-8' codec can't encode characters in position " + std::to_string(i) + "-" +
                std::to_string(end - 1) + ": surrogates not allowed";
      }
      return std::nullopt;
    }
  }
  if (name.find('\0') != std::string_view::npos) {
    error = "embedded null character";  // Python's argument parsing refuses it
    return std::nullopt;
  }
  const std::string c_name(name);
  in_addr v4{};
  // inet_aton is what Python calls: it also takes "127.1", "0x7f.0.0.1",
  // "010.0.0.1" and "1.2.3.4 trailing". Python then accepts only the names
  // that inet_ntoa would print back unchanged.
  if (::inet_aton(c_name.c_str(), &v4) != 0) {
    const auto* b = reinterpret_cast<const unsigned char*>(&v4.s_addr);
    char quad[16];
    std::snprintf(quad, sizeof quad, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
    if (name == quad) {
      return std::string(reinterpret_cast<const char*>(b), 4);
    }
    error = detail::python_repr(name) + " is not a quad-dotted IPv4 address.";
    return std::nullopt;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, c_name.c_str(), &v6) == 1) {
    return std::string(reinterpret_cast<const char*>(v6.s6_addr), sizeof v6.s6_addr);
  }
  error = detail::python_repr(name) + " is neither an IPv4 nor an IP6 address.";
  return std::nullopt;
}

// ipaddress_match is Python's ssl._ipaddress_match. Trailing whitespace goes
// first because OpenSSL used to append a newline to IPv6 entries. An entry
// that is not an address is Python's ValueError, which escapes match_hostname.
bool ipaddress_match(std::string_view cert_ip, const std::string& host_ip) {
  std::u32string text = detail::decode_surrogateescape(cert_ip);
  while (!text.empty() && detail::python_isspace(text.back())) {
    text.pop_back();
  }
  std::string error;
  const std::optional<std::string> ip = inet_paton(detail::encode_surrogateescape(text), error);
  if (!ip) {
    detail::throw_value_error(error);
  }
  return *ip == host_ip;
}

// dnsname_match is Python's ssl._dnsname_match (RFC 6125 section 6.4.3 as
// Python reads it). A malformed wildcard is an error, not a mismatch.
bool dnsname_match(std::string_view dn, std::string_view hostname) {
  if (dn.empty()) {
    return false;
  }
  const auto wildcards = std::count(dn.begin(), dn.end(), '*');
  if (wildcards == 0) {
    return detail::python_lower(dn) == detail::python_lower(hostname);
  }
  if (wildcards > 1) {
    throw_certificate_error("too many wildcards in certificate DNS name: " + detail::python_repr(dn) + ".");
  }
  const std::size_t dot = dn.find('.');
  const std::string_view dn_leftmost = dn.substr(0, dot);
  const std::string_view dn_remainder = dot == std::string_view::npos ? std::string_view{} : dn.substr(dot + 1);
  if (dn_remainder.find('*') != std::string_view::npos) {
    throw_certificate_error("wildcard can only be present in the leftmost label: " + detail::python_repr(dn) + ".");
  }
  if (dot == std::string_view::npos) {
    // Python's wording, grammar included.
    throw_certificate_error("sole wildcard without additional labels are not support: " + detail::python_repr(dn) +
                            ".");
  }
  if (dn_leftmost != "*") {
    throw_certificate_error("partial wildcards in leftmost label are not supported: " + detail::python_repr(dn) +
                            ".");
  }
  const std::size_t host_dot = hostname.find('.');
  // The wildcard stands for exactly one label of at least one character.
  if (host_dot == std::string_view::npos || host_dot == 0) {
    return false;
  }
  return detail::python_lower(dn_remainder) == detail::python_lower(hostname.substr(host_dot + 1));
}

}  // namespace

void match_hostname(const CertInfo& cert, std::string_view hostname) {
  if (cert.empty()) {
    detail::throw_value_error(
        "empty or no certificate, match_hostname needs a SSL socket or SSL context with either CERT_OPTIONAL or "
        "CERT_REQUIRED");
  }
  std::string ignored;  // Python swallows the ValueError: the name is just not an IP address
  const std::optional<std::string> host_ip = inet_paton(hostname, ignored);

  // Every DNS and IP entry is remembered, matched or not, because their
  // presence alone rules out the commonName and they name the mismatch.
  std::vector<std::string_view> names;
  if (cert.subjectAltName) {
    for (const GeneralName& entry : *cert.subjectAltName) {
      if (entry.type == "DNS") {
        if (!host_ip && dnsname_match(entry.value, hostname)) {
          return;
        }
        names.push_back(entry.value);
      } else if (entry.type == "IP Address") {
        if (host_ip && ipaddress_match(entry.value, *host_ip)) {
          return;
        }
        names.push_back(entry.value);
      }
    }
  }
  if (names.empty()) {
    // Python tries every commonName, matched as a DNS name even when the
    // hostname is an IP address.
    for (const RDN& rdn : cert.subject) {
      for (const auto& [key, value] : rdn) {
        if (key == "commonName") {
          if (dnsname_match(value, hostname)) {
            return;
          }
          names.push_back(value);
        }
      }
    }
  }
  const std::string host = detail::python_repr(hostname);
  if (names.size() > 1) {
    std::string list;
    for (const std::string_view name : names) {
      list += list.empty() ? "" : ", ";
      list += detail::python_repr(name);
    }
    throw_certificate_error("hostname " + host + " doesn't match either of " + list);
  }
  if (names.size() == 1) {
    throw_certificate_error("hostname " + host + " doesn't match " + detail::python_repr(names.front()));
  }
  throw_certificate_error("no appropriate commonName or subjectAltName fields were found");
}

}  // namespace sslpp
