#include <cstdio>
#include <string>

#include <sslpp/certificate.hpp>

#include "compat/python_text.hpp"

namespace sslpp {

namespace {

void append_json_name(std::string& out, const DistinguishedName& dn) {
  out += '[';
  for (std::size_t i = 0; i < dn.size(); ++i) {
    out += i == 0 ? "[" : ", [";
    for (std::size_t j = 0; j < dn[i].size(); ++j) {
      out += j == 0 ? "[" : ", [";
      out += json_quote(dn[i][j].first);
      out += ", ";
      out += json_quote(dn[i][j].second);
      out += ']';
    }
    out += ']';
  }
  out += ']';
}

void append_json_strings(std::string& out, const std::vector<std::string>& v) {
  out += '[';
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i != 0) {
      out += ", ";
    }
    out += json_quote(v[i]);
  }
  out += ']';
}

}  // namespace

std::string json_quote(std::string_view s) {
  // As Python's json.dumps(ensure_ascii=False): text stays UTF-8, control
  // characters are escaped. Bytes that are not UTF-8 (certificates may hold
  // anything) become "\udcXX", the surrogateescape code point Python would
  // give them, so the output is always valid JSON and loses nothing.
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (const char32_t cp : detail::decode_surrogateescape(s)) {
    char buf[8];
    switch (cp) {
      case U'"':
        out += "\\\"";
        break;
      case U'\\':
        out += "\\\\";
        break;
      case U'\n':
        out += "\\n";
        break;
      case U'\r':
        out += "\\r";
        break;
      case U'\t':
        out += "\\t";
        break;
      case U'\b':
        out += "\\b";
        break;
      case U'\f':
        out += "\\f";
        break;
      default:
        if (cp < 0x20 || (cp >= 0xDC80 && cp <= 0xDCFF)) {
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
          out += buf;
        } else {
          out += detail::encode_surrogateescape(std::u32string_view(&cp, 1));
        }
    }
  }
  out += '"';
  return out;
}

std::string CertInfo::to_json() const {
  if (is_empty) {
    return "{}";
  }
  std::string out = "{\"subject\": ";
  append_json_name(out, subject);
  out += ", \"issuer\": ";
  append_json_name(out, issuer);
  out += ", \"version\": " + std::to_string(version);
  out += ", \"serialNumber\": " + json_quote(serialNumber);
  out += ", \"notBefore\": " + json_quote(notBefore);
  out += ", \"notAfter\": " + json_quote(notAfter);
  if (subjectAltName) {
    out += ", \"subjectAltName\": [";
    for (std::size_t i = 0; i < subjectAltName->size(); ++i) {
      const GeneralName& gn = (*subjectAltName)[i];
      out += i == 0 ? "[" : ", [";
      out += json_quote(gn.type) + ", ";
      if (gn.type == "DirName") {
        append_json_name(out, gn.dirname);
      } else {
        out += json_quote(gn.value);
      }
      out += ']';
    }
    out += ']';
  }
  const std::pair<const char*, const std::optional<std::vector<std::string>>*> lists[] = {
      {"OCSP", &OCSP}, {"caIssuers", &caIssuers}, {"crlDistributionPoints", &crlDistributionPoints}};
  for (const auto& [key, list] : lists) {
    if (*list) {
      out += ", \"";
      out += key;
      out += "\": ";
      append_json_strings(out, **list);
    }
  }
  out += '}';
  return out;
}

}  // namespace sslpp
