// Hostile bytes from the network (issue 11, item 5): raw TLS bytes fed to a
// client and to a server Connection over memory buffers. Truncated and
// oversized records, garbage, plain HTTP, alert and empty-record floods, an
// SSLv2 hello, obsolete versions and suites, a downgrade marker: each ends
// in a typed error (io_status::error or truncated, a std::error_code that
// Connection::last_error() repeats, an SSLError subclass from the throwing
// form) within a bounded number of steps, with the alert a peer would read.
#include <sslpp/connection.hpp>
#include <sslpp/context.hpp>

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "support/pki.hpp"
#include "support/pump.hpp"
#include "support/tls_records.hpp"

namespace sslpp {
namespace {

using namespace test::tls;  // NOLINT: the record builder's vocabulary
using test::pki;

// A few handshake calls are enough for any of these inputs: OpenSSL reads
// every complete record it is given in one call.
constexpr int kMaxSteps = 8;

// Alert descriptions (RFC 8446 6).
constexpr unsigned kUnexpectedMessage = 10;
constexpr unsigned kRecordOverflow = 22;
constexpr unsigned kHandshakeFailure = 40;
constexpr unsigned kIllegalParameter = 47;
constexpr unsigned kProtocolVersion = 70;
constexpr unsigned kUserCanceled = 90;

using Factory = std::function<Connection()>;

// Hostile is one input: who receives it, the bytes, the fragment the
// error's message must carry, and the alert the receiver must send back.
struct Hostile {
  std::string name;
  Factory receiver;
  Bytes input;
  std::string fragment;
  std::optional<unsigned> alert = std::nullopt;
};

// A server of the test PKI (EC P-256), or of its RSA certificate.
Factory server(bool rsa = false) {
  return [rsa] {
    static Context ec_ctx = test::server_context();
    static Context rsa_ctx = test::server_context(&pki().server_rsa);
    return (rsa ? rsa_ctx : ec_ctx).wrap_bio({.server_side = true});
  };
}

// A client that has sent its ClientHello and waits for the server's reply;
// `tls12` caps it at TLS 1.2.
Factory client(bool tls12 = false) {
  return [tls12] {
    static Context ctx = test::client_context();
    static Context ctx12 = [] {
      Context c = test::client_context();
      c.set_maximum_version(TLSVersion::TLSv1_2);
      return c;
    }();
    Connection c = (tls12 ? ctx12 : ctx).wrap_bio({.server_hostname = "localhost"});
    std::error_code ec;
    EXPECT_EQ(c.do_handshake(ec).status, io_status::want_read);
    EXPECT_FALSE(test::take_output(c).empty());  // the ClientHello, which the hostile reply answers
    return c;
  };
}

// Run is how a connection took the input: the last result, its code, the
// steps it took and what it sent back.
struct Run {
  io_result result;
  std::error_code ec;
  int steps = 0;
  Bytes sent;
};

// drive feeds `input`, then runs the handshake; when the connection wants
// more it ends the transport (bio_shutdown) once; at most kMaxSteps calls.
Run drive(Connection& c, std::span<const std::byte> input, bool end_input = true) {
  Run r;
  EXPECT_EQ(c.bio_write(input), input.size());
  bool ended = false;
  while (r.steps < kMaxSteps) {
    ++r.steps;
    r.result = c.do_handshake(r.ec);
    const Bytes out = test::take_output(c);
    r.sent.insert(r.sent.end(), out.begin(), out.end());
    if (r.result.status != io_status::want_read || !end_input || ended) {
      break;
    }
    c.bio_shutdown();
    ended = true;
  }
  return r;
}

// fatal_alert is the description of the fatal alert in `sent`, if any.
std::optional<unsigned> fatal_alert(std::span<const std::byte> sent) {
  for (const Record& rec : records(sent)) {
    if (rec.type == kAlert && rec.body.size() == 2 && rec.body[0] == std::byte{2}) {
      return std::to_integer<unsigned>(rec.body[1]);
    }
  }
  return std::nullopt;
}

void expect_refused(const Hostile& h) {
  SCOPED_TRACE(h.name);
  // The exception-free form.
  Connection c = h.receiver();
  const Run r = drive(c, h.input);
  ASSERT_TRUE(r.result.status == io_status::error || r.result.status == io_status::truncated)
      << h.name << ": ended " << to_string(r.result.status) << " after " << r.steps << " steps";
  EXPECT_LE(r.steps, kMaxSteps);
  ASSERT_TRUE(static_cast<bool>(r.ec)) << h.name;
  EXPECT_TRUE(r.ec.category() == ssl_category() || r.ec == errc::eof)
      << h.name << ": " << r.ec.category().name() << " " << r.ec.message();
  EXPECT_EQ(c.last_error().code, r.ec) << h.name;
  EXPECT_NE(c.last_error().message.find(h.fragment), std::string::npos)
      << h.name << ": \"" << c.last_error().message << "\" lacks \"" << h.fragment << "\"";
  if (h.alert) {
    EXPECT_EQ(fatal_alert(r.sent), h.alert) << h.name << ": wrong or no alert sent";
  }
  // Sticky: the next call reports the same error and sends nothing more.
  std::error_code again;
  EXPECT_EQ(c.do_handshake(again).status, r.result.status) << h.name;
  EXPECT_EQ(again, r.ec) << h.name;
  EXPECT_TRUE(test::take_output(c).empty()) << h.name;

  // The throwing form, on a fresh receiver of the same bytes.
  Connection t = h.receiver();
  t.bio_write(h.input);
  bool ended = false;
  for (int step = 0;; ++step) {
    ASSERT_LT(step, kMaxSteps) << h.name << ": the throwing form did not finish";
    try {
      t.do_handshake();
      FAIL() << h.name << ": the handshake succeeded";
    } catch (const SSLWantReadError&) {
      ASSERT_FALSE(ended) << h.name << ": still wants input after the end of input";
      t.bio_shutdown();
      ended = true;
    } catch (const SSLError& e) {
      EXPECT_NE(std::string(e.what()).find(h.fragment), std::string::npos) << h.name << ": " << e.what();
      EXPECT_EQ(e.code(), r.ec) << h.name << ": " << e.class_name();
      break;
    } catch (const std::exception& e) {
      FAIL() << h.name << ": not an SSLError: " << e.what();
    }
  }
}

void expect_refused(const std::vector<Hostile>& cases) {
  for (const Hostile& h : cases) {
    expect_refused(h);
  }
}

// expect_accepted is the control for a refusal: the same builder, with the
// one thing changed that made it hostile, is taken and answered.
void expect_accepted(const std::string& name, const Factory& receiver, const Bytes& input) {
  SCOPED_TRACE(name);
  Connection c = receiver();
  const Run r = drive(c, input, /*end_input=*/false);
  EXPECT_EQ(r.result.status, io_status::want_read) << name << ": " << c.last_error().message;
}

// garbage is deterministic noise that starts with no record type.
Bytes garbage(std::size_t n) {
  Bytes out(n);
  unsigned x = 0x9E3779B9;
  for (auto& b : out) {
    x = x * 1103515245 + 12345;
    b = static_cast<std::byte>(x >> 24);
  }
  out[0] = std::byte{0x9c};
  return out;
}

Bytes repeat(const Bytes& piece, int times) {
  Bytes out;
  for (int i = 0; i < times; ++i) {
    out.insert(out.end(), piece.begin(), piece.end());
  }
  return out;
}

Bytes prefix(const Bytes& b, std::size_t n) { return {b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n)}; }

// A valid TLS 1.2 ClientHello offering one modern suite each for EC and RSA.
const Bytes kGoodHello = tls12_client_hello({0xC02B, 0xC02F}).to_record();

// -- Records: truncated, oversized, garbage ---------------------------------

TEST(HostileBytes, TruncatedRecords) {
  // A record header promising a whole ClientHello / ServerHello, followed by
  // a piece of it, then the end of the transport.
  const Bytes sh_header = cat({u8(kHandshake), u16(kTLS12), u16(0x50)});
  expect_refused({
      {"server: ClientHello cut in half", server(), prefix(kGoodHello, kGoodHello.size() / 2), "EOF"},
      {"server: record header cut", server(), prefix(kGoodHello, 3), "EOF"},
      {"client: ServerHello record cut", client(), cat({sh_header, Bytes(10, std::byte{2})}), "EOF"},
      {"client: nothing at all", client(), {}, "EOF"},
  });
}

TEST(HostileBytes, OversizedRecords) {
  // RFC 8446 5.1: a plaintext record holds at most 2^14 bytes; OpenSSL
  // refuses a longer one from its header alone, before the body arrives.
  const Bytes huge_header = cat({u8(kHandshake), u16(kTLS12), u16(0xFFFF)});
  // A record of exactly 2^14 + 1 bytes, body present: refused once read.
  const Bytes over_by_one = record(kHandshake, kTLS12, Bytes(16385, std::byte{0}));
  expect_refused({
      {"server: 65535-byte record header", server(), cat({huge_header, Bytes(64, std::byte{1})}), "length too long",
       kRecordOverflow},
      {"server: 16385-byte record", server(), over_by_one, "length too long", kRecordOverflow},
      {"client: 65535-byte record header", client(), cat({huge_header, Bytes(64, std::byte{1})}), "length too long",
       kRecordOverflow},
      {"client: 16385-byte record", client(), over_by_one, "length too long", kRecordOverflow},
  });
}

TEST(HostileBytes, Garbage) {
  expect_refused({
      {"server: 4 KiB of noise", server(), garbage(4096), "wrong version number"},
      {"client: 4 KiB of noise", client(), garbage(4096), "wrong version number"},
      // A record header that parses, carrying a handshake message of an
      // unknown type (0x9c).
      {"server: a handshake record of noise", server(), record(kHandshake, kTLS10, garbage(200)), "unexpected message",
       kUnexpectedMessage},
  });
}

TEST(HostileBytes, PlainHttpToATlsPort) {
  expect_refused({
      {"GET", server(), text("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"), "http request"},
      {"POST", server(), text("POST /submit HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n"), "http request"},
      {"HEAD", server(), text("HEAD / HTTP/1.0\r\n\r\n"), "http request"},
      {"CONNECT", server(), text("CONNECT example.com:443 HTTP/1.1\r\n\r\n"), "https proxy request"},
      {"an HTTP reply to a client", client(), text("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"),
       "wrong version number"},
  });
}

// -- Floods ------------------------------------------------------------------

TEST(HostileBytes, AlertFloods) {
  // Warning alerts are ignored before TLS 1.3 is agreed, but OpenSSL counts
  // them (MAX_WARN_ALERT_COUNT, 5) and gives up: 1000 of them end the
  // handshake rather than keeping it busy. A server takes nothing but a
  // handshake record first, so its floods follow a (TLS 1.2) ClientHello.
  const Bytes flood = repeat(alert(1, kUserCanceled), 1000);
  expect_refused({
      {"server: 1000 warning alerts after the hello", server(), cat({kGoodHello, flood}), "too many warn alerts",
       kUnexpectedMessage},
      {"client: 1000 warning alerts", client(), flood, "too many warn alerts", kUnexpectedMessage},
      {"server: 1000 warning alerts instead of a hello", server(), flood, "unexpected message", kUnexpectedMessage},
      {"server: a fatal alert after the hello", server(), cat({kGoodHello, alert(2, kHandshakeFailure)}),
       "alert handshake failure"},
      {"client: a fatal alert", client(), alert(2, kHandshakeFailure), "alert handshake failure"},
  });
}

TEST(HostileBytes, EmptyRecordFloods) {
  // Zero-length records carry nothing; OpenSSL allows a few
  // (MAX_EMPTY_RECORDS, 32) and refuses the rest.
  expect_refused({
      {"server: 1000 empty handshake records", server(), repeat(record(kHandshake, kTLS10, {}), 1000),
       "record too small", kUnexpectedMessage},
      {"client: 1000 empty handshake records", client(), repeat(record(kHandshake, kTLS12, {}), 1000),
       "record too small", kUnexpectedMessage},
      {"server: 1000 empty application-data records", server(), repeat(record(kApplicationData, kTLS10, {}), 1000),
       "unexpected message", kUnexpectedMessage},
      {"server: 1000 empty alert records after the hello", server(),
       cat({kGoodHello, repeat(record(kAlert, kTLS12, {}), 1000)}), "invalid alert"},
  });
}

// -- Obsolete protocols ------------------------------------------------------

TEST(HostileBytes, SSLv2Hello) {
  // SSL 2.0 cipher specs: SSL_CK_RC4_128_WITH_MD5, SSL_CK_DES_192_EDE3_CBC_WITH_MD5.
  expect_refused({
      {"SSL 2.0 CLIENT-HELLO", server(), sslv2_client_hello(0x0002, {0x010080, 0x0700C0}), "unknown protocol"},
      {"SSLv2-format hello asking for TLS 1.0", server(), sslv2_client_hello(kTLS10, {0x00002F, 0x010080}),
       "unsupported protocol", kProtocolVersion},
      // Asking for TLS 1.2 in an SSLv2-format hello (no extensions, so no
      // curves, no signature algorithms): nothing modern can be agreed.
      {"SSLv2-format hello asking for TLS 1.2", server(true), sslv2_client_hello(kTLS12, {0x00C02F, 0x00009C}),
       "no shared cipher", kHandshakeFailure},
  });
}

TEST(HostileBytes, ObsoleteVersionsOffered) {
  const auto hello = [](unsigned version) {
    ClientHello ch = tls12_client_hello({0xC02B, 0xC02F, 0x002F});
    ch.legacy_version = version;
    return ch;
  };
  ClientHello ssl3 = hello(kSSL3);
  ssl3.omit_extensions_block = true;  // SSLv3 has no extensions
  ClientHello only_old = hello(kTLS12);
  only_old.extensions.push_back(ext_supported_versions_client({kTLS11, kTLS10}));
  expect_refused({
      // SSL 3.0 has no protocol_version alert (RFC 6101 5.4.2): OpenSSL
      // answers in SSL 3.0's terms, with handshake_failure.
      {"SSL 3.0 ClientHello", server(), ssl3.to_record(kSSL3), "version too low", kHandshakeFailure},
      {"TLS 1.0 ClientHello", server(), hello(kTLS10).to_record(), "unsupported protocol", kProtocolVersion},
      {"TLS 1.1 ClientHello", server(), hello(kTLS11).to_record(), "unsupported protocol", kProtocolVersion},
      {"supported_versions: TLS 1.1 and 1.0 only", server(), only_old.to_record(), "unsupported protocol",
       kProtocolVersion},
  });
  expect_accepted("control: the same hello as TLS 1.2", server(), hello(kTLS12).to_record());
}

TEST(HostileBytes, ObsoleteSuitesOffered) {
  // Each class offered alone, to a server whose certificate could serve it
  // (RSA), so only the suite policy refuses it.
  const std::vector<std::pair<std::string, std::vector<unsigned>>> classes = {
      {"RC4", {0x0004 /* RC4-MD5 */, 0x0005 /* RC4-SHA */, 0xC011 /* ECDHE-RSA-RC4-SHA */}},
      {"3DES", {0x000A /* DES-CBC3-SHA */, 0x0016 /* EDH-RSA-DES-CBC3-SHA */, 0xC012 /* ECDHE-RSA-DES-CBC3-SHA */}},
      {"export",
       {0x0003 /* EXP-RC4-MD5 */, 0x0006 /* EXP-RC2-CBC-MD5 */, 0x0008 /* EXP-DES-CBC-SHA */,
        0x0014 /* EXP-EDH-RSA-DES-CBC-SHA */}},
      {"NULL", {0x0001 /* NULL-MD5 */, 0x0002 /* NULL-SHA */, 0x003B /* NULL-SHA256 */, 0xC010 /* ECDHE-RSA-NULL */}},
      {"anonymous", {0x0034 /* ADH-AES128-SHA */, 0xC018 /* AECDH-AES128-SHA */}},
      {"single DES", {0x0009 /* DES-CBC-SHA */, 0x0015 /* EDH-RSA-DES-CBC-SHA */}},
  };
  for (const auto& [name, suites] : classes) {
    expect_refused({{name + " suites only", server(true), tls12_client_hello(suites).to_record(), "no shared cipher",
                     kHandshakeFailure}});
    ClientHello tls13 = tls12_client_hello(suites);  // a TLS 1.3 hello with no TLS 1.3 suite
    tls13.extensions.push_back(ext_supported_versions_client({kTLS13, kTLS12}));
    expect_refused({{name + " suites only, TLS 1.3 offered too", server(true), tls13.to_record(), "no shared cipher",
                     kHandshakeFailure}});
    std::vector<unsigned> with_modern = suites;
    with_modern.push_back(0xC02F);  // ECDHE-RSA-AES128-GCM-SHA256
    expect_accepted("control: " + name + " plus a modern suite", server(true),
                    tls12_client_hello(with_modern).to_record());
  }
}

// -- Downgrade --------------------------------------------------------------

// server_hello_12 is a TLS 1.2 ServerHello choosing ECDHE-ECDSA-AES128-GCM
// (offered by the client) whose random ends in `tail`.
Bytes server_hello_12(std::string_view tail) {
  ServerHello sh;
  sh.cipher_suite = 0xC02B;
  std::copy(tail.begin(), tail.end(), reinterpret_cast<char*>(sh.random.data()) + 32 - tail.size());
  sh.extensions = {ext_renegotiation_info(), ext_ec_point_formats()};
  return sh.to_record();
}

TEST(HostileBytes, DowngradeMarker) {
  // RFC 8446 4.1.3: a TLS 1.3 server that negotiates TLS 1.2 ends its random
  // with "DOWNGRD\x01"; a TLS 1.3-capable client seeing it in a TLS 1.2
  // ServerHello knows an attacker removed TLS 1.3 from its offer.
  const std::string marker("DOWNGRD\x01", 8);
  // "DOWNGRD\x00" marks a downgrade to TLS 1.1 or below; a TLS 1.3 client
  // must refuse either marker in any ServerHello below TLS 1.3.
  const std::string marker11("DOWNGRD\x00", 8);
  expect_refused({
      {"TLS 1.2 ServerHello with DOWNGRD\\x01", client(), server_hello_12(marker), "inappropriate fallback",
       kIllegalParameter},
      {"TLS 1.2 ServerHello with DOWNGRD\\x00", client(), server_hello_12(marker11), "inappropriate fallback",
       kIllegalParameter},
  });
  expect_accepted("control: the same ServerHello without the marker", client(), server_hello_12("NOTDOWNG"));
  expect_accepted("control: the marker to a client that offered only TLS 1.2", client(true), server_hello_12(marker));
}

TEST(HostileBytes, ServerChoosesWhatWasNotOffered) {
  ServerHello old;
  old.legacy_version = kTLS10;
  old.cipher_suite = 0xC02B;
  ServerHello rc4;
  rc4.cipher_suite = 0x0005;  // RC4-SHA: never offered
  expect_refused({
      {"TLS 1.0 ServerHello", client(), old.to_record(), "unsupported protocol", kProtocolVersion},
      {"RC4-SHA chosen", client(), rc4.to_record(), "unknown cipher returned", kIllegalParameter},
  });
}

// -- After the handshake -------------------------------------------------------

TEST(HostileBytes, AfterTheHandshake) {
  // The record path of an established connection: an oversized record, a
  // record that fails authentication, garbage; both ends, both versions.
  for (const bool tls12 : {false, true}) {
    for (const bool at_client : {false, true}) {
      const std::vector<std::pair<std::string, Bytes>> inputs = {
          {"oversized", cat({u8(kApplicationData), u16(kTLS12), u16(0x4801), Bytes(64, std::byte{0})})},
          {"bad MAC", record(kApplicationData, kTLS12, Bytes(64, std::byte{0x77}))},
          {"garbage", garbage(512)},
      };
      for (const auto& [name, bytes] : inputs) {
        SCOPED_TRACE(name + (tls12 ? " TLS 1.2" : " TLS 1.3") + (at_client ? " at the client" : " at the server"));
        test::MemoryPair pair(tls12);
        ASSERT_TRUE(test::handshake(pair.client, pair.server).ok());
        (void)test::exchange(pair.client, pair.server);  // TLS 1.3 tickets
        Connection& victim = at_client ? pair.client : pair.server;
        victim.bio_write(bytes);
        std::byte buf[256];
        std::error_code ec;
        io_result r = victim.read(buf, ec);
        if (r.status == io_status::want_read) {
          victim.bio_shutdown();  // all of it is there: no more will come
          r = victim.read(buf, ec);
        }
        EXPECT_EQ(r.status, io_status::error) << ec.message();
        EXPECT_EQ(ec.category(), ssl_category()) << ec.message();
        EXPECT_EQ(victim.last_error().code, ec);
        EXPECT_THROW((void)victim.read(16), SSLError);
      }
    }
  }
}

}  // namespace
}  // namespace sslpp
