// Independent DTLS 1.2 peers on 127.0.0.1, bounded like every Subprocess:
// `openssl s_server -dtls1_2` / `s_client -dtls1_2` and `gnutls-serv --udp` /
// `gnutls-cli --udp`, with the test PKI (pki()), and a reader for what each
// prints once its handshake is done (SRTP profile, exported keys).
//
// What the peers print (OpenSSL 3.0, GnuTLS 3.7), found by running them:
//
// openssl s_server -dtls1_2 -accept 127.0.0.1:0 -naccept N -cert C -key K
//   ready:  "ACCEPT 127.0.0.1:PORT" (port 0 works for UDP too: the kernel's
//           port is printed). With -naccept it exits after N connections.
//   done:   "CIPHER is ECDHE-..." then, when SRTP was agreed,
//           "SRTP Extension negotiated, profile=SRTP_AES128_CM_SHA1_80", then
//           "Secure Renegotiation IS supported" (always, for DTLS 1.2), then
//           with -keymatexport "Keying material: <UPPER HEX>".
//   quirk:  over UDP s_server reads its stdin from the start, before any
//           client: end of stdin ends it ("DONE"), so keep stdin open
//           (Subprocess does). Not an echo server: it prints what it
//           receives and sends what it reads on stdin (-rev is TCP only).
//   cookies: over UDP s_server always sends a HelloVerifyRequest first (it
//            sets SSL_OP_COOKIE_EXCHANGE): its 1st datagram is that, its
//            ServerHello flight starts at the 2nd.
//   -listen          DTLSv1_listen: the same exchange, stateless (no SSL
//                    object before the cookie checks out).
//   -Verify 1 -CAfile CA   require a client certificate and verify it.
//   -use_srtp P1:P2  offer/accept SRTP profiles (OpenSSL names).
//   -mtu N           link MTU: sets SSL_OP_NO_QUERY_MTU and DTLS_set_link_mtu,
//                    so IPv4 datagrams carry at most N - 28 bytes (IP + UDP
//                    headers). There is no -no_query_mtu option.
//   -keymatexport EXTRACTOR-dtls_srtp -keymatexportlen 60   RFC 5764 keys.
//   datagrams: without -mtu, s_server's flights leave in 228-byte fragments
//   (OpenSSL's minimum DTLS MTU: 256 - 28; seen on loopback, where its MTU
//   query evidently gives nothing better). With a large -mtu it packs a whole
//   flight into one datagram (ServerHello..ServerHelloDone: ~1270 bytes).
//
// openssl s_client -dtls1_2 -connect 127.0.0.1:PORT -CAfile CA
//   done:   the session block's "    Verify return code: 0 (ok)"; before it
//           "SRTP Extension negotiated, profile=..." when agreed, after it
//           "Keying material: <UPPER HEX>" with -keymatexport. (-brief prints
//           "CONNECTION ESTABLISHED" but neither SRTP nor keys.) Lines it
//           reads on stdin go to the server; what the server sends is printed.
//   -cert/-key, -use_srtp, -mtu (link MTU as above), -keymatexport as above.
//   Retransmission works without -timeout (s_client polls DTLSv1_get_timeout).
//
// gnutls-serv --udp --echo --port PORT --x509certfile C --x509keyfile K
//   ready:  "UDP Echo Server listening on IPv4 0.0.0.0 port PORT...done"
//           (on stderr; GnutlsServer merges it). It binds 0.0.0.0 and ::, it
//           cannot be told 127.0.0.1 or port 0 (hence free_port and retries).
//   It always answers a first ClientHello with a HelloVerifyRequest (cookie
//   exchange), echoes each datagram's text back, and prints
//   "*** Processing N bytes command: TEXT". It prints no session report over
//   UDP: neither SRTP profile nor keys (read them from the client).
//   --require-client-cert --verify-client-cert --x509cafile CA   client certs.
//   --srtp-profiles P1:P2   GnuTLS names (SRTP_AES128_CM_HMAC_SHA1_80).
//   --mtu N                 the datagram size (UDP payload), no IP overhead.
//   datagrams: GnuTLS sends each handshake message in a datagram of its own
//   (HelloVerifyRequest 44 bytes, ServerHello 116, Certificate ~500, ...),
//   fragmenting only messages bigger than the MTU (default 1200).
//
// gnutls-cli --udp -p PORT 127.0.0.1 (gnutls_cli_argv: CA, name, client cert)
//   done:   "- Handshake was completed" (stdout); before it
//           "- SRTP profile: SRTP_AES128_CM_HMAC_SHA1_80" and, with
//           --keymatexport L --keymatexportsize N, "- Key material: <lower hex>".
//   Then "- Simple Client Mode:": stdin lines go to the server. It does not
//   exit on end of stdin over UDP: tests kill it (Subprocess does).
//   Seen: answering s_server's 228-byte fragmented flight takes gnutls-cli
//   ~800 ms (~200 ms when the flight is one datagram); a timing quirk, not
//   a failure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/gnutls_peer.hpp"
#include "support/openssl_peer.hpp"
#include "support/pki.hpp"
#include "support/subprocess.hpp"

namespace sslpp::test {

// The RFC 5764 exporter label for SRTP keys.
inline constexpr const char* kSrtpExporterLabel = "EXTRACTOR-dtls_srtp";

// DtlsPeerOptions are the knobs the DTLS tests turn, the same for every peer.
struct DtlsPeerOptions {
  // Server: require a client certificate and verify it against the test CA.
  // Client: present pki().client.
  bool client_cert = false;
  // SRTP profiles offered, colon-separated, in OpenSSL's spelling
  // ("SRTP_AES128_CM_SHA1_80"); the GnuTLS peers translate. Empty: no SRTP.
  std::string srtp;
  // MTU; 0 leaves the peer's default. OpenSSL's -mtu is the link MTU
  // (datagrams carry at most mtu - 28 bytes over IPv4), GnuTLS's --mtu the
  // datagram size itself.
  int mtu = 0;
  // Bytes of EXTRACTOR-dtls_srtp keying material to export and print; 0 none.
  std::size_t keymat = 0;
  // openssl s_server only: -listen (stateless cookie exchange). gnutls-serv
  // always exchanges cookies.
  bool cookie = false;
  // Further arguments, appended.
  std::vector<std::string> extra;
};

// start_dtls_s_server runs `openssl s_server -dtls1_2` (start_s_server: on
// 127.0.0.1, port from its ACCEPT line, -naccept `connections`) with `creds`
// (default pki().server).
SServer start_dtls_s_server(const DtlsPeerOptions& o, int connections = 1, const CredentialFiles* creds = nullptr);

// start_dtls_s_client runs `openssl s_client -dtls1_2` to 127.0.0.1:port,
// trusting the test CA and checking the name "localhost".
std::unique_ptr<Subprocess> start_dtls_s_client(std::uint16_t port, const DtlsPeerOptions& o);

// start_gnutls_udp_server runs `gnutls-serv --udp --echo` (GnutlsServer) with
// `creds` (default pki().server).
GnutlsServer start_gnutls_udp_server(const DtlsPeerOptions& o, const CredentialFiles* creds = nullptr);

// start_gnutls_udp_client runs `gnutls-cli --udp` (gnutls_cli_argv) to
// 127.0.0.1:port. gnutls_cli_argv always presents pki().client.
std::unique_ptr<Subprocess> start_gnutls_udp_client(std::uint16_t port, const DtlsPeerOptions& o);

// gnutls_srtp_names translates colon-separated OpenSSL SRTP profile names to
// GnuTLS's (SRTP_AES128_CM_SHA1_80 -> SRTP_AES128_CM_HMAC_SHA1_80); names
// spelled the same (SRTP_AEAD_AES_128_GCM, SRTP_NULL_...) pass through.
std::string gnutls_srtp_names(std::string_view openssl_names);

// Which peer printed a handshake report; they print it differently.
enum class DtlsPeer { openssl_server, openssl_client, gnutls_client };

// DtlsReport is what a peer printed about its finished handshake.
struct DtlsReport {
  std::string srtp_profile;     // OpenSSL's spelling; empty when none agreed
  std::string keying_material;  // upper-case hex; empty when none exported
};

// wait_for_dtls_handshake reads `proc`'s output up to its handshake-done
// line (and the keying material line when `keymat`) and returns the report;
// nullopt when the output ends or `timeout` passes first.
std::optional<DtlsReport> wait_for_dtls_handshake(Subprocess& proc, DtlsPeer peer, bool keymat,
                                                  std::chrono::milliseconds timeout = peer_timeout);

}  // namespace sslpp::test
