// connect's interactive mode (-i, the default when stdin is a terminal):
// what the user types goes to the server, what the server sends goes to
// stdout, as with `openssl s_client`.
#pragma once

#include <chrono>
#include <string>

#include <sslpp/sslpp.hpp>

namespace sslpp::cli {

/// relay copies `in` to the server and the server's bytes to `out` until
/// either side ends. The server ending first ends the relay. At EOF on `in`
/// we send close_notify (our side is done) and keep reading until the
/// server closes, or is quiet for `idle` after our close_notify. While
/// `in` is open there is no bound: a person may take their time.
///
/// When `out` is a terminal, control bytes other than tab, CR and LF are
/// written as \xNN (a server must not drive the terminal); to a pipe or a
/// file the bytes go as they came.
///
/// Returns how the server's stream ended: "close_notify", "truncated" (TCP
/// closed without close_notify) or "idle".
std::string relay(SSLSocket& tls, int in, int out, std::chrono::duration<double> idle);

/// relay over DTLS (connect --dtls -i): each line of `in`, its newline
/// included, goes to the server as one record in one datagram (a final line
/// without a newline goes as it is); each record the server sends is
/// written to `out` as it came (escaped for a terminal, as above). At EOF on
/// `in` it reads on until the server sends close_notify or is quiet for
/// `idle` (UDP has no end of stream), and returns "close_notify" or "idle";
/// the caller sends close_notify. A line longer than a record holds
/// (Connection::get_cleartext_mtu) is a ValueError.
std::string relay(DTLSSocket& dtls, int in, int out, std::chrono::duration<double> idle);

}  // namespace sslpp::cli
