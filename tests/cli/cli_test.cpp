// The sslpp command, run as a program: --help, usage errors, demo, and the
// offline tools (decode, match-hostname, cert-time, pem2der, der2pem, rand,
// version), each checked against python3's ssl module or the openssl CLI
// as the oracle.
#include <cstdlib>
#include <map>

#include "cli/cli_support.hpp"

namespace sslpp::cli_test {
namespace {

// ===========================================================================
// --help and usage errors

const std::map<std::string, std::vector<std::string>> kSubcommandOptions = {
    {"demo", {}},
    {"connect",
     {"--cafile", "--capath", "--cert", "--key", "--password", "--servername", "--no-check-hostname", "--verify",
      "--min-version", "--max-version", "--ciphers", "--alpn", "--crlfile", "--crl-check", "--keylog", "--send",
      "--timeout", "--json"}},
    {"serve",
     {"--host", "--port", "--cert", "--key", "--password", "--cafile", "--verify", "--sni", "--alpn", "--min-version",
      "--max-version", "--ciphers", "--http", "--max-connections", "--handshake-timeout", "--idle-timeout",
      "--exit-after"}},
    {"decode", {"--der", "--text", "--json", "--all"}},
    {"match-hostname", {}},
    {"cert-time", {}},
    {"pem2der", {}},
    {"der2pem", {}},
    {"get-server-certificate", {"--cafile", "--timeout"}},
    {"rand", {}},
    {"version", {}},
};

TEST(CliHelp, TopLevelListsEverySubcommandAndEachDescribesItsOptions) {
  const Outcome top = sslpp({"--help"});
  ASSERT_EQ(top.status, 0) << top.describe();
  EXPECT_TRUE(contains(top.out, "Exit status: 0 success; 1")) << top.out;
  for (const auto& [name, options] : kSubcommandOptions) {
    EXPECT_TRUE(contains(top.out, "\n  " + name + " ")) << name;
    const Outcome help = sslpp({name, "--help"});
    EXPECT_EQ(help.status, 0) << help.describe();
    EXPECT_TRUE(help.out.starts_with("usage: sslpp " + name)) << help.out;
    EXPECT_TRUE(help.err.empty()) << help.err;
    for (const std::string& option : options) {
      EXPECT_TRUE(contains(help.out, "\n  " + option + " ")) << name << " --help lacks " << option;
    }
  }
}

struct UsageCase {
  std::vector<std::string> args;
  const char* error_class;
  const char* message_part;
};

TEST(CliUsage, BadCommandLinesExit2WithOneLine) {
  const std::vector<UsageCase> cases = {
      {{}, "UsageError", "no subcommand"},
      {{"frobnicate"}, "UsageError", "unknown subcommand 'frobnicate'"},
      {{"connect"}, "UsageError", "takes HOST:PORT, got 0"},
      {{"connect", "a:1", "b:2"}, "UsageError", "got 2 arguments"},
      {{"connect", "a:1", "--bogus"}, "UsageError", "unknown option --bogus"},
      {{"connect", "a:1", "--cafile"}, "UsageError", "--cafile needs a value"},
      {{"connect", "a:1", "--json=yes"}, "UsageError", "--json takes no value"},
      {{"connect", "a:1", "--timeout", "1", "--timeout", "2"}, "UsageError", "given twice"},
      {{"connect", "a:1", "--key", "k.pem"}, "UsageError", "--key and --password need --cert"},
      {{"connect", "a:1", "--verify", "maybe"}, "ValueError", "--verify: 'maybe' is not one of none"},
      {{"connect", "a:1", "--timeout", "0"}, "ValueError", "--timeout: '0'"},
      {{"connect", "a:1", "--timeout", "soon"}, "ValueError", "--timeout: 'soon'"},
      {{"connect", "a:1", "--min-version", "SSLv3"}, "ValueError", "--min-version: 'SSLv3'"},
      {{"connect", "a:1", "--max-version", "tlsv1.2"}, "ValueError", "--max-version: 'tlsv1.2'"},
      {{"connect", "a:1", "--alpn", "h2,,x"}, "ValueError", "--alpn: 'h2,,x'"},
      {{"connect", "a:1", "--crl-check", "all"}, "ValueError", "--crl-check: 'all'"},
      {{"connect", "a:1", "--servername", ".dot"}, "ValueError", "server_hostname"},
      {{"connect", "host"}, "ValueError", "'host' is not HOST:PORT"},
      {{"connect", "::1:443"}, "ValueError", "brackets"},
      {{"connect", "[::1]443"}, "ValueError", "is not HOST:PORT"},
      {{"connect", "host:0"}, "ValueError", "port from 1 to 65535"},
      {{"connect", "host:65536"}, "ValueError", "port from 1 to 65535"},
      {{"connect", "host:-1"}, "ValueError", "port from 1 to 65535"},
      {{"serve", "--port", "65536"}, "ValueError", "--port: '65536'"},
      {{"serve", "--max-connections", "0"}, "ValueError", "--max-connections: '0'"},
      {{"serve", "--exit-after", "0"}, "ValueError", "--exit-after: '0'"},
      {{"serve", "--handshake-timeout", "0"}, "ValueError", "--handshake-timeout: '0'"},
      {{"serve", "--idle-timeout", "soon"}, "ValueError", "--idle-timeout: 'soon'"},
      {{"serve", "--http=yes"}, "UsageError", "--http takes no value"},
      {{"serve", "--verify", "required"}, "UsageError", "needs --cafile"},
      {{"serve", "extra"}, "UsageError", "takes no arguments"},
      {{"serve", "--sni", "nameonly"}, "ValueError", "is not NAME=CERTFILE,KEYFILE"},
      {{"serve", "--sni", "=a,b"}, "ValueError", "is not NAME=CERTFILE,KEYFILE"},
      {{"decode"}, "UsageError", "takes FILE"},
      {{"rand", "-5"}, "UsageError", "unknown option -5"},
      {{"rand", "lots"}, "ValueError", "N: 'lots'"},
      {{"rand", "99999999999"}, "ValueError", "N: '99999999999'"},
      {{"get-server-certificate", "host:443", "--timeout", "-1"}, "ValueError", "--timeout: '-1'"},
  };
  for (const UsageCase& c : cases) {
    const Outcome r = sslpp(c.args);
    std::string cmd;
    for (const auto& a : c.args) {
      cmd += a + " ";
    }
    EXPECT_EQ(r.status, 2) << cmd << r.describe();
    EXPECT_TRUE(r.one_error_line(c.error_class)) << cmd << r.describe();
    EXPECT_TRUE(contains(r.err, c.message_part)) << cmd << r.describe();
  }
}

TEST(CliUsage, OptionsMayFollowOrPrecedeArgumentsAndTakeEqualsForm) {
  const Outcome a = sslpp({"cert-time", "--", "Jan  5 09:34:43 2018 GMT"});
  EXPECT_EQ(a.out, "1515144883\n") << a.describe();
  const auto der = pki().dir / "cli-usage.der";
  ASSERT_EQ(sslpp({"pem2der", path(pki().server.cert), path(der)}).status, 0);
  EXPECT_EQ(sslpp({"decode", "--der", path(der)}).status, 0);
  EXPECT_EQ(sslpp({"decode", path(der), "--der"}).status, 0);
}

// ===========================================================================
// demo

TEST(CliDemo, PrintsAVerifiedResumedSessionWithNothingFromOutside) {
  // No network, no files, and no inherited configuration: an empty
  // environment, run from the filesystem root.
  const Outcome r = run_program({"/usr/bin/env", "-i", "/bin/sh", "-c", std::string("cd / && exec ") + SSLPP_CLI + " demo"});
  ASSERT_EQ(r.status, 0) << r.describe();
  EXPECT_TRUE(r.err.empty()) << r.err;
  for (const char* expected : {
           "version:         TLSv1.3",
           "cipher:          TLS_",
           "alpn:            sslpp-demo/1",
           "server hostname: localhost",
           "subject:        commonName=localhost",
           "issuer:         commonName=sslpp demo CA",
           "subjectAltName: DNS:localhost, IP Address:127.0.0.1",
           "received:        25 bytes: \"hello from the sslpp demo\"",
           "\"subject\": [[[\"commonName\", \"localhost\"]]]",
           "second connection, offering the first one's session:\nversion:         TLSv1.3\nsession reused:  yes",
           "{\"event\": \"handshake\", \"version\": \"TLSv1.3\"",
       }) {
    EXPECT_TRUE(contains(r.out, expected)) << "missing: " << expected << "\n" << r.out;
  }
  EXPECT_FALSE(contains(r.out, "session reused:  yes\npeer")) << "the first connection cannot be resumed";
}

// ===========================================================================
// decode

// CertificateVariety writes certificates of every shape the tests know:
// the test PKI's and, made with the openssl CLI, every SAN kind, AIA, CRL
// distribution points, UTF-8 and BMP names, multi-valued RDNs, long and
// negative serials, unknown OIDs, and files with other blocks or text
// before the certificate.
std::vector<std::filesystem::path> certificate_variety() {
  const auto dir = pki().dir / "cli-decode";
  std::filesystem::create_directories(dir);
  std::vector<std::filesystem::path> files;
  for (const auto* c : {&pki().server, &pki().server_rsa, &pki().expired, &pki().not_yet_valid, &pki().wrong_name,
                        &pki().untrusted, &pki().client}) {
    files.push_back(c->cert);
  }
  files.push_back(pki().ca_file);
  test::write_text(dir / "everything.cnf",
                   "[req]\ndistinguished_name = dn\nprompt = no\nstring_mask = default\nx509_extensions = ext\n"
                   "[dn]\nC = GB\nST = N\xc3\xb6rth\nL = \xe6\x97\xa5\xe6\x9c\xac\nO = sslpp\n1.OU = one\n2.OU = two\n"
                   "CN = everything.example\nemailAddress = admin@example.com\n"
                   "[ext]\nsubjectAltName = @san\n"
                   "authorityInfoAccess = OCSP;URI:http://ocsp.example/,caIssuers;URI:http://ca.example/ca.der\n"
                   "crlDistributionPoints = URI:http://crl.example/a.crl,URI:http://crl.example/b.crl\n"
                   "[san]\nDNS.1 = everything.example\nDNS.2 = *.wild.example\nIP.1 = 192.0.2.1\n"
                   "IP.2 = 2001:db8::1\nemail.1 = someone@example.com\nURI.1 = https://uri.example/path\n"
                   "RID.1 = 1.2.3.4.5\ndirName.1 = dir_sect\notherName.1 = 1.3.6.1.4.1.311.20.2.3;UTF8:upn@example.com\n"
                   "[dir_sect]\nC = US\nO = Dir Org\nCN = Dir Name\n");
  struct Case {
    const char* name;
    std::string args;
  };
  const std::vector<Case> cases = {
      {"everything", "-utf8 -config " + path(dir / "everything.cnf") +
                         " -set_serial 0x00c0ffee0102030405060708090a0b0c0d0e0f10"},
      {"multivalued", "-subj '/C=US/O=Org+OU=Unit+CN=multi' -multivalue-rdn"},
      {"negative-serial", "-subj '/CN=neg' -set_serial -0x1234"},
      {"no-extensions", "-subj '/CN=bare' -addext basicConstraints=CA:FALSE"},
      {"unknown-oid", "-subj '/CN=oid/1.2.3.4.5.6.7=custom value'"},
      {"utf8-subject", "-utf8 -subj '/CN=utf8/O=\xc3\x9cml\xc3\xa4ut'"},
      {"cn-only", "-subj '/CN=cn-only.example'"},
      {"bad-wildcard", "-subj '/CN=bad' -addext 'subjectAltName=DNS:w*.example.com,DNS:a.*.example.com'"},
      {"ip-only", "-subj '/CN=ip' -addext 'subjectAltName=IP:10.0.0.1,IP:::1'"},
      {"trailing-dot", "-subj '/CN=dot' -addext 'subjectAltName=DNS:example.com.'"},
  };
  const std::string openssl =
      std::string(SSLPP_OPENSSL) + " req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3 ";
  for (const Case& c : cases) {
    const auto pem = dir / (std::string(c.name) + ".pem");
    const std::string cmd = openssl + c.args + " -keyout " + path(dir / (std::string(c.name) + "-key.pem")) +
                            " -out " + path(pem) + " >/dev/null 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    files.push_back(pem);
  }
  // Python reads the first CERTIFICATE block, skipping text and other blocks.
  const auto prefixed = dir / "key-and-text-first.pem";
  test::write_text(prefixed, "some text\n" + pki().client.credential.key.pem() +
                                 pki().wrong_name.credential.certificate.pem() + pki().server.credential.certificate.pem());
  files.push_back(prefixed);
  return files;
}

TEST(CliDecode, MatchesPythonOnEveryTestCertificate) {
  const auto files = certificate_variety();
  ASSERT_GE(files.size(), 18u);
  for (const auto& file : files) {
    const std::string expected = python_decode(file);
    const Outcome pem = sslpp({"decode", path(file)});
    EXPECT_EQ(pem.status, 0) << file << pem.describe();
    EXPECT_EQ(pem.out, expected + "\n") << file;
    // The DER of the same certificate, from Python, decodes the same.
    const auto der = file.string() + ".der";
    python("import ssl, sys\n"
           "t = open(sys.argv[1]).read()\n"
           "b, e = t.index('-----BEGIN CERTIFICATE-----'), t.index('-----END CERTIFICATE-----') + 25\n"
           "open(sys.argv[2], 'wb').write(ssl.PEM_cert_to_DER_cert(t[b:e]))\n",
           {path(file), der});
    const Outcome from_der = sslpp({"decode", "--der", der});
    EXPECT_EQ(from_der.out, expected + "\n") << der << from_der.describe();
  }
  // And from stdin.
  const Outcome from_stdin = sslpp({"decode", "-"}, pki().server.credential.certificate.pem());
  EXPECT_EQ(from_stdin.out, python_decode(pki().server.cert) + "\n") << from_stdin.describe();
}

TEST(CliDecode, BadInputExits2) {
  const auto dir = pki().dir / "cli-decode-bad";
  std::filesystem::create_directories(dir);
  test::write_text(dir / "garbage.der", "\x30\x82\xff\xff not DER");
  test::write_text(dir / "empty.pem", "");
  struct Case {
    std::vector<std::string> args;
    const char* error_class;
  };
  for (const Case& c : std::vector<Case>{
           {{"decode", path(dir / "missing.pem")}, "OSError"},
           {{"decode", path(dir)}, "OSError"},
           {{"decode", path(pki().server.key)}, "SSLError"},
           {{"decode", path(dir / "empty.pem")}, "SSLError"},
           {{"decode", "--der", path(dir / "garbage.der")}, "SSLError"},
           {{"decode", "--der", path(pki().server.cert)}, "SSLError"},
       }) {
    const Outcome r = sslpp(c.args);
    EXPECT_EQ(r.status, 2) << c.args.back() << r.describe();
    EXPECT_TRUE(r.one_error_line(c.error_class)) << c.args.back() << r.describe();
  }
  EXPECT_TRUE(contains(sslpp({"decode", path(dir / "missing.pem")}).err, "[Errno 2] No such file or directory"));
}

// ===========================================================================
// match-hostname

TEST(CliMatchHostname, DecidesAsPython311) {
  const auto files = certificate_variety();
  const std::vector<std::string> hosts = {
      "localhost", "LOCALHOST", "localhost.", "127.0.0.1", "::1", "0:0:0:0:0:0:0:1", "127.1", "10.0.0.1",
      "wrong.example", "everything.example", "a.wild.example", "wild.example", "a.b.wild.example", "192.0.2.1",
      "2001:db8::1", "cn-only.example", "x.example.com", "example.com", "example.com.", "multi", "bare", "",
  };
  // The oracle: Python 3.11's ssl.match_hostname on the decoded dict.
  const std::string script =
      "import ssl, sys, warnings\n"
      "warnings.simplefilter('ignore')\n"
      "cert = ssl._ssl._test_decode_cert(sys.argv[1])\n"
      "for h in sys.argv[2:]:\n"
      "    try:\n"
      "        ssl.match_hostname(cert, h)\n"
      "        print('OK')\n"
      "    except Exception as e:\n"
      "        print(type(e).__name__ + ': ' + (e.args[0] if len(e.args) == 1 else str(e)))\n";
  int checked = 0;
  for (const auto& file : files) {
    if (contains(file.filename().string(), "key-and-text")) {
      continue;
    }
    std::vector<std::string> args{path(file)};
    args.insert(args.end(), hosts.begin(), hosts.end());
    const std::string expected = python(script, args);
    std::size_t pos = 0;
    for (const std::string& host : hosts) {
      const std::size_t nl = expected.find('\n', pos);
      ASSERT_NE(nl, std::string::npos) << expected;
      const std::string want = expected.substr(pos, nl - pos);
      pos = nl + 1;
      const Outcome r = sslpp({"match-hostname", path(file), host});
      const std::string what = file.filename().string() + " '" + host + "': python says " + want + "\n" + r.describe();
      if (want == "OK") {
        EXPECT_EQ(r.status, 0) << what;
      } else if (want.starts_with("SSLCertVerificationError: ")) {
        // Python's CertificateError is an alias of SSLCertVerificationError.
        EXPECT_EQ(r.status, 1) << what;
        EXPECT_EQ(r.err, "CertificateError: " + want.substr(std::string("SSLCertVerificationError: ").size()) + "\n")
            << what;
      } else {
        EXPECT_EQ(r.status, 2) << what;
        EXPECT_EQ(r.err, want + "\n") << what;
      }
      ++checked;
    }
  }
  EXPECT_GE(checked, 300);
}

TEST(CliMatchHostname, UnreadableCertificateIsBadInput) {
  const Outcome r = sslpp({"match-hostname", path(pki().dir / "missing.pem"), "localhost"});
  EXPECT_EQ(r.status, 2) << r.describe();
  EXPECT_TRUE(r.one_error_line("OSError")) << r.describe();
}

// ===========================================================================
// cert-time

TEST(CliCertTime, AcceptsExactlyWhatPythonAccepts) {
  const std::vector<std::string> inputs = {
      "Jan  5 09:34:43 2018 GMT", "Jan 5 09:34:43 2018 GMT", "jan  5 09:34:43 2018 gmt", "Feb 30 00:00:00 2019 GMT",
      "Dec 31 23:59:60 1999 GMT", "Jan  1 00:00:00 0001 GMT", "Dec 31 23:59:59 9999 GMT", "Jan\t5 9:3:4 2018 GMT",
      "Jan  5 09:34:43 2018", "Jan  5 09:34:43 2018 UTC", "Foo  5 09:34:43 2018 GMT", "Jan 32 09:34:43 2018 GMT",
      "Jan  5 24:00:00 2018 GMT", "Jan  5 09:34:43 18 GMT", "", "Jan  5 09:34:43 2018 GMT ", "Jan  0 00:00:00 2018 GMT",
      "January  5 09:34:43 2018 GMT", "Jan  \xd9\xa5 09:34:43 2018 GMT",
  };
  const std::string script =
      "import ssl, sys\n"
      "for s in sys.argv[1:]:\n"
      "    try:\n"
      "        print(ssl.cert_time_to_seconds(s))\n"
      "    except ValueError as e:\n"
      "        print('ValueError')\n";
  const std::string expected = python(script, inputs);
  std::size_t pos = 0;
  for (const std::string& input : inputs) {
    const std::size_t nl = expected.find('\n', pos);
    ASSERT_NE(nl, std::string::npos);
    const std::string want = expected.substr(pos, nl - pos);
    pos = nl + 1;
    const Outcome r = sslpp({"cert-time", input});
    if (want == "ValueError") {
      EXPECT_EQ(r.status, 2) << "'" << input << "'" << r.describe();
      EXPECT_TRUE(r.one_error_line("ValueError")) << r.describe();
    } else {
      EXPECT_EQ(r.status, 0) << "'" << input << "'" << r.describe();
      EXPECT_EQ(r.out, want + "\n") << "'" << input << "'";
    }
  }
}

// ===========================================================================
// pem2der / der2pem

TEST(CliPemDer, ByteForByteWhatPythonProduces) {
  const auto dir = pki().dir / "cli-pemder";
  std::filesystem::create_directories(dir);
  for (const auto& file : {pki().server.cert, pki().server_rsa.cert, pki().ca_file}) {
    const std::string name = file.stem().string();
    const auto ours_der = dir / (name + ".der");
    const auto py_der = dir / (name + "-py.der");
    const auto py_pem = dir / (name + "-py.pem");
    python("import ssl, sys\n"
           "der = ssl.PEM_cert_to_DER_cert(open(sys.argv[1]).read())\n"
           "open(sys.argv[2], 'wb').write(der)\n"
           "open(sys.argv[3], 'w').write(ssl.DER_cert_to_PEM_cert(der))\n",
           {path(file), path(py_der), path(py_pem)});
    const Outcome to_der = sslpp({"pem2der", path(file), path(ours_der)});
    ASSERT_EQ(to_der.status, 0) << to_der.describe();
    EXPECT_TRUE(to_der.out.empty());
    const Outcome cmp = run_program({"/usr/bin/cmp", path(ours_der), path(py_der)});
    EXPECT_EQ(cmp.status, 0) << cmp.describe();
    // stdin to stdout, both ways.
    const Outcome to_pem = sslpp({"der2pem", path(ours_der), "-"});
    ASSERT_EQ(to_pem.status, 0) << to_pem.describe();
    EXPECT_EQ(to_pem.out, python("import sys; sys.stdout.write(open(sys.argv[1]).read())", {path(py_pem)}));
    const Outcome piped = sslpp({"pem2der", "-", "-"}, to_pem.out);
    ASSERT_EQ(piped.status, 0) << piped.describe();
    const Outcome back = sslpp({"der2pem", "-", "-"}, piped.out);
    EXPECT_EQ(back.out, to_pem.out);
  }
}

TEST(CliPemDer, InputThatIsNotACertificateIsBadInput) {
  const auto dir = pki().dir / "cli-pemder-bad";
  std::filesystem::create_directories(dir);
  // Base64 that Python's PEM_cert_to_DER_cert accepts, but no certificate.
  test::write_text(dir / "not-cert.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  test::write_text(dir / "junk.der", "junk");
  struct Case {
    std::vector<std::string> args;
    const char* error_class;
  };
  for (const Case& c : std::vector<Case>{
           {{"pem2der", path(pki().server.key), path(dir / "out.der")}, "ValueError"},
           {{"pem2der", path(dir / "not-cert.pem"), path(dir / "out.der")}, "SSLError"},
           {{"pem2der", path(dir / "missing.pem"), path(dir / "out.der")}, "OSError"},
           {{"pem2der", path(pki().server.cert), path(dir / "no-such-dir" / "out.der")}, "OSError"},
           {{"der2pem", path(dir / "junk.der"), path(dir / "out.pem")}, "SSLError"},
           {{"der2pem", path(pki().server.cert), path(dir / "out.pem")}, "SSLError"},
           {{"der2pem", path(dir / "missing.der"), "-"}, "OSError"},
       }) {
    const Outcome r = sslpp(c.args);
    EXPECT_EQ(r.status, 2) << c.args[1] << r.describe();
    EXPECT_TRUE(r.one_error_line(c.error_class)) << c.args[1] << r.describe();
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "out.pem"));
  EXPECT_FALSE(std::filesystem::exists(dir / "out.der"));
}

// ===========================================================================
// rand and version

TEST(CliRand, PrintsFreshHexBytes) {
  const Outcome a = sslpp({"rand", "32"});
  const Outcome b = sslpp({"rand", "32"});
  ASSERT_EQ(a.status, 0) << a.describe();
  EXPECT_EQ(a.out.size(), 65u);
  EXPECT_EQ(a.out.find_first_not_of("0123456789abcdef"), 64u);
  EXPECT_NE(a.out, b.out);
  EXPECT_EQ(sslpp({"rand", "0"}).out, "\n");
  const Outcome big = sslpp({"rand", "200000"});
  EXPECT_EQ(big.out.size(), 400001u);
}

TEST(CliVersion, AgreesWithPythonAndTheOpensslCommand) {
  const Outcome r = sslpp({"version"});
  ASSERT_EQ(r.status, 0) << r.describe();
  // Python's ssl links the same libssl on this machine.
  const std::string expected = python(
      "import ssl\n"
      "for n in ['OPENSSL_VERSION', 'OPENSSL_VERSION_INFO', 'OPENSSL_VERSION_NUMBER', 'HAS_SNI', 'HAS_ECDH',\n"
      "          'HAS_ALPN', 'HAS_NPN', 'HAS_NEVER_CHECK_COMMON_NAME', 'HAS_SSLv2', 'HAS_SSLv3', 'HAS_TLSv1',\n"
      "          'HAS_TLSv1_1', 'HAS_TLSv1_2', 'HAS_TLSv1_3']:\n"
      "    print(f'{n}: {getattr(ssl, n)}')\n");
  std::size_t pos = 0;
  while (pos < expected.size()) {
    const std::size_t nl = expected.find('\n', pos);
    const std::string line = expected.substr(pos, nl - pos + 1);
    EXPECT_TRUE(contains(r.out, line)) << "missing: " << line << r.out;
    pos = nl + 1;
  }
  // OpenSSL_version(OPENSSL_DIR / OPENSSL_PLATFORM) are what `openssl version -d / -p` print.
  for (const auto& [flag, name] : {std::pair{"-d", "SSLEAY_DIR"}, std::pair{"-p", "SSLEAY_PLATFORM"}}) {
    const Outcome o = run_program({SSLPP_OPENSSL, "version", flag});
    EXPECT_TRUE(contains(r.out, std::string("SSLeay_version(") + name + "): " + o.out)) << o.out << r.out;
  }
  EXPECT_TRUE(contains(r.out, "SSLeay_version(SSLEAY_VERSION): OpenSSL 3.")) << r.out;
  EXPECT_TRUE(contains(r.out, "SSLeay_version(SSLEAY_CFLAGS): ")) << r.out;
  EXPECT_TRUE(contains(r.out, "SSLeay_version(SSLEAY_BUILT_ON): ")) << r.out;
}

}  // namespace
}  // namespace sslpp::cli_test
