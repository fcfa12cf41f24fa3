// The certificate tools: decode, match-hostname, cert-time, pem2der,
// der2pem and get-server-certificate. Each is a thin shell over the
// library function of the same (Python) name; decode's readable form and
// its bundles, requests and CRLs are in decode_text and decode_members.
#include <unistd.h>

#include <iostream>

#include "commands.hpp"
#include "decode_members.hpp"
#include "decode_text.hpp"
#include "files.hpp"
#include "output.hpp"

namespace sslpp::cli {

namespace {

using namespace std::chrono_literals;

// load_certificate reads FILE as PEM (the first CERTIFICATE block,
// whatever precedes it, as Python does) or as DER.
Certificate load_certificate(const std::string& path, bool der) {
  const std::string data = read_input(path);
  return der ? Certificate::from_der(std::as_bytes(std::span(data))) : Certificate::from_pem(data);
}

std::string_view as_text(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

const std::string& arg(const ParsedArgs& args, std::size_t i) { return args.positionals().at(i); }

std::string display_name(const std::string& path) { return path == "-" ? "<stdin>" : path; }

// certificates_json is decode --json --all: every member's dict, in order.
std::string certificates_json(const std::string& file, bool der) {
  const std::vector<Member> members = read_members(read_input(file), der, display_name(file));
  std::string out = "[";
  for (const Member& m : members) {
    const auto* cert = std::get_if<owned_x509>(&m.object);
    if (cert == nullptr) {
      throw ValueError(display_name(file) + ": " + m.position() +
                       ": --json shows certificates only (Python's dict); use --text for requests and CRLs");
    }
    out += (out.size() > 1 ? ", " : "") + Certificate::from_native(cert->get()).decode().to_json();
  }
  return out + "]";
}

}  // namespace

const CommandSpec& decode_spec() {
  static const CommandSpec spec{
      .name = "decode",
      .synopsis = "FILE",
      .min_positionals = 1,
      .max_positionals = 1,
      .summary = "print certificates, certificate requests and CRLs, readable or as Python's JSON",
      .details =
          "FILE (- for stdin) is PEM, or DER with --der. Two forms:\n"
          "\n"
          "Readable (--text, and the default when stdout is a terminal): every member of\n"
          "FILE in order (CERTIFICATE, TRUSTED CERTIFICATE, CERTIFICATE REQUEST, X509 CRL\n"
          "blocks; other blocks and text are skipped), each under a header naming its\n"
          "position (\"member 2 (X509 CRL at line 31):\"), with every field and extension as\n"
          "`openssl x509 -text` has them: version, serial in full hex, signature\n"
          "algorithm, issuer, validity in UTC, subject, key type and size, each\n"
          "extension with its criticality (SCTs by count), SHA-256 and SHA-1\n"
          "fingerprints. A request shows its requested extensions and whether its\n"
          "signature verifies; a CRL its updates and each revoked serial with its date\n"
          "and reason. Control bytes from the input are printed as \\xNN.\n"
          "\n"
          "JSON (--json, and the default when stdout is not a terminal, as before): the\n"
          "first certificate as Python's getpeercert() dict (keys subject, issuer,\n"
          "version, serialNumber, notBefore, notAfter and, where present,\n"
          "subjectAltName, OCSP, caIssuers, crlDistributionPoints; tuples are arrays).\n"
          "With --all: a JSON array of every certificate's dict; a request or CRL in\n"
          "FILE is then an error (the dict has no form for them; use --text).\n"
          "\n"
          "A member that does not parse is a ValueError naming it (\"ValueError: FILE:\n"
          "member 3 (CERTIFICATE at line 41): ...\"), exit 2, before anything is printed.\n"
          "DER input may hold several objects back to back; each is recognised as a\n"
          "certificate, request or CRL by parsing, and named by its byte offset.\n",
      .options =
          {
              {"--der", "", "FILE is DER, not PEM"},
              {"--text", "", "print the readable form, even into a pipe"},
              {"--json", "", "print Python's JSON dict, even to a terminal"},
              {"--all", "", "with --json: every certificate, as a JSON array"},
          },
  };
  return spec;
}

int decode(const ParsedArgs& args) {
  const bool text = args.flag("--text");
  const bool json = args.flag("--json");
  if (text && json) {
    throw UsageError("--text and --json exclude each other");
  }
  const std::string& file = arg(args, 0);
  const bool der = args.flag("--der");
  // Scripts that pipe `sslpp decode FILE` keep the JSON they always got.
  if (!text && (json || ::isatty(STDOUT_FILENO) != 1)) {
    if (!args.flag("--all")) {
      const CertInfo info = as_bad_input([&] { return load_certificate(file, der).decode(); });
      std::cout << info.to_json() << std::endl;
      return exit_ok;
    }
    std::cout << as_bad_input([&] { return certificates_json(file, der); }) << std::endl;
    return exit_ok;
  }
  const std::vector<Member> members =
      as_bad_input([&] { return read_members(read_input(file), der, display_name(file)); });
  for (std::size_t i = 0; i < members.size(); ++i) {
    std::cout << (i == 0 ? "" : "\n");
    print_member(std::cout, members[i]);
  }
  std::cout << std::flush;
  return exit_ok;
}

const CommandSpec& match_hostname_spec() {
  static const CommandSpec spec{
      .name = "match-hostname",
      .synopsis = "FILE HOSTNAME",
      .min_positionals = 2,
      .max_positionals = 2,
      .summary = "check a certificate's names as Python 3.11's ssl.match_hostname does",
      .details = "Exit 0 when the certificate in FILE (PEM) is valid for HOSTNAME; exit 1 with\n"
                 "`CertificateError: ...` when it is not. Python's rules, quirks included: a\n"
                 "malformed wildcard fails the match, commonName counts only without DNS or IP\n"
                 "subjectAltNames, trailing dots compare literally. (The TLS handshake checks\n"
                 "names with OpenSSL's stricter rules.)\n",
      .options = {},
  };
  return spec;
}

int match_hostname(const ParsedArgs& args) {
  const CertInfo info = as_bad_input([&] { return load_certificate(arg(args, 0), false).decode(); });
  // The command exists to show Python's match_hostname rules, deprecated or not.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  sslpp::match_hostname(info, arg(args, 1));
#pragma GCC diagnostic pop
  std::cout << "'" << arg(args, 1) << "' matches the certificate\n";
  return exit_ok;
}

const CommandSpec& cert_time_spec() {
  static const CommandSpec spec{
      .name = "cert-time",
      .synopsis = "STRING",
      .min_positionals = 1,
      .max_positionals = 1,
      .summary = "print a certificate time (\"Jan  5 09:34:43 2018 GMT\") as seconds since the Epoch",
      .details = "Accepts exactly what Python's ssl.cert_time_to_seconds accepts; anything else\n"
                 "is bad input (exit 2).\n",
      .options = {},
  };
  return spec;
}

int cert_time(const ParsedArgs& args) {
  const long long seconds = as_bad_input([&] { return cert_time_to_seconds(arg(args, 0)); });
  std::cout << seconds << std::endl;
  return exit_ok;
}

const CommandSpec& pem2der_spec() {
  static const CommandSpec spec{
      .name = "pem2der",
      .synopsis = "IN OUT",
      .min_positionals = 2,
      .max_positionals = 2,
      .summary = "convert a PEM certificate to DER (Python's PEM_cert_to_DER_cert)",
      .details = "IN and OUT may be - for stdin and stdout. Input that is not a certificate is\n"
                 "bad input (exit 2).\n",
      .options = {},
  };
  return spec;
}

int pem2der(const ParsedArgs& args) {
  as_bad_input([&] {
    const std::vector<std::byte> der = PEM_cert_to_DER_cert(read_input(arg(args, 0)));
    // Python converts any base64 between the markers; a certificate tool
    // refuses what is not a certificate.
    static_cast<void>(Certificate::from_der(der));
    write_output(arg(args, 1), as_text(der));
  });
  return exit_ok;
}

const CommandSpec& der2pem_spec() {
  static const CommandSpec spec{
      .name = "der2pem",
      .synopsis = "IN OUT",
      .min_positionals = 2,
      .max_positionals = 2,
      .summary = "convert a DER certificate to PEM (Python's DER_cert_to_PEM_cert)",
      .details = "IN and OUT may be - for stdin and stdout. The PEM is byte for byte Python's\n"
                 "(64-column base64). Input that is not a certificate is bad input (exit 2).\n",
      .options = {},
  };
  return spec;
}

int der2pem(const ParsedArgs& args) {
  as_bad_input([&] {
    const std::string der = read_input(arg(args, 0));
    const auto bytes = std::as_bytes(std::span(der));
    static_cast<void>(Certificate::from_der(bytes));
    write_output(arg(args, 1), DER_cert_to_PEM_cert(bytes));
  });
  return exit_ok;
}

const CommandSpec& get_server_certificate_spec() {
  static const CommandSpec spec{
      .name = "get-server-certificate",
      .synopsis = "HOST:PORT",
      .min_positionals = 1,
      .max_positionals = 1,
      .summary = "print a server's certificate as PEM (Python's get_server_certificate)",
      .details = "Without --cafile any certificate is fetched, unverified. With --cafile the\n"
                 "server's chain must verify against those CAs first (the name is sent as SNI but\n"
                 "not checked, as in Python).\n",
      .options =
          {
              {"--cafile", "FILE", "verify the certificate against these CAs first"},
              {"--timeout", "SECONDS", "bound on connect, handshake and reads (default 10)"},
          },
  };
  return spec;
}

int get_server_certificate(const ParsedArgs& args) {
  const Endpoint target = as_bad_input([&] { return parse_endpoint(arg(args, 0)); });
  const auto timeout = as_bad_input([&] {
    const auto t = args.value("--timeout");
    return t ? parse_seconds("--timeout", *t) : std::chrono::duration<double>(10s);
  });
  const std::string cafile = args.value("--cafile").value_or("");
  if (!cafile.empty()) {
    // The library reads the file only after connecting, where a failure
    // would look like a network one; check it first, as input.
    as_bad_input([&] { Context(PROTOCOL_TLS_CLIENT).load_verify_locations(cafile); });
  }
  std::cout << sslpp::get_server_certificate(target.host, target.port, PROTOCOL_TLS_CLIENT, cafile, timeout)
            << std::flush;
  return exit_ok;
}

}  // namespace sslpp::cli
