// An in-memory client/server pair driven in either I/O form, and the
// Scenario that sweeps one phase of its life (making it, the handshake,
// write, read, shutdown) for the allocation-failure sweep.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <sslpp/connection.hpp>
#include <sslpp/context.hpp>

#include "alloc/sweep.hpp"

namespace sslpp::test::alloc {

// Form is which of the two forms of every I/O call a step uses.
enum class Form {
  status,    // io_result + std::error_code, noexcept
  throwing,  // Python's exceptions
};

// Step is one I/O call's result in either form.
enum class Step {
  done,    // ok: the call finished its work
  again,   // want_read / want_write: move ciphertext and call again
  closed,  // the peer's close_notify
  failed,  // an error; the Outcome says which
};

// Io makes the I/O calls in one form and writes failures into `out`. No
// call allocates on the harness's account.
class Io {
 public:
  Io(Form form, Outcome& out) noexcept : form_(form), out_(out) {}
  Step handshake(Connection& c) noexcept;
  Step write(Connection& c, std::string_view data, std::size_t& taken) noexcept;
  Step read(Connection& c, std::span<std::byte> buf, std::size_t& got) noexcept;
  Step shutdown(Connection& c) noexcept;
  Step listen(Connection& c) noexcept;  // dtls_listen: done when a cookie verified
  [[nodiscard]] Outcome& outcome() noexcept { return out_; }

 private:
  template <typename StatusCall, typename ThrowingCall>
  Step call(Connection& c, StatusCall&& status_call, ThrowingCall&& throwing_call) noexcept;

  Form form_;
  Outcome& out_;
};

// Pair is a client and a server with the plaintext books: what each side's
// writes reported taken and what each side read. At every quiet point,
// what one side read must be exactly what the other's writes took.
struct Pair {
  Pair();  // reserves the books, so appending to them never allocates

  std::optional<Connection> client;
  std::optional<Connection> server;
  std::string client_sent, server_sent, client_got, server_got;
  bool transport_lost = false;  // ciphertext the receiver never took

  // make creates both connections; the client names the server `hostname`.
  // A DTLS server is given a client address, so its default cookie is the
  // HMAC of it. (A DTLS pair needs nothing else: a datagram is offered
  // again as ciphertext is, so with one allocation failing none is lost,
  // and no retransmission timer has to run.)
  void make(Context& client_ctx, Context& server_ctx, const char* hostname);

  // The moves of a connection's life, in the form `io` uses; each stops at
  // the first failure (Step::failed, with io's Outcome set).
  bool handshake(Io& io) noexcept;
  bool write_both(Io& io, std::string_view from_client, std::string_view from_server) noexcept;
  bool read_both(Io& io) noexcept;  // read until neither side has plaintext left
  bool shutdown(Io& io) noexcept;   // both close_notify sent and received
  // transfer moves every ciphertext byte both ways; returns how many moved.
  std::size_t transfer() noexcept;
};

// PairPhase is the part of a pair's life a PairScenario sweeps.
enum class PairPhase {
  make,                  // wrap_bio for both ends
  handshake,             // the whole handshake
  handshake_wrong_name,  // the handshake to a server that does not match the name: must never succeed
  write,                 // one write each way
  read,                  // reading what each end sent (the client also takes the server's session tickets)
  shutdown,              // the close_notify exchange
};

const char* to_string(PairPhase phase) noexcept;

// PairScenario sweeps `phase` in `form` over connections of the two
// contexts, which the caller makes before the sweep and keeps alive.
class PairScenario final : public Scenario {
 public:
  // `variant` names what is special about the contexts, if anything.
  PairScenario(PairPhase phase, Form form, Context& client_ctx, Context& server_ctx, std::string variant = {})
      : phase_(phase), form_(form), client_ctx_(client_ctx), server_ctx_(server_ctx), variant_(std::move(variant)) {}

  [[nodiscard]] std::string name() const override;
  [[nodiscard]] bool expected_to_succeed() const override { return phase_ != PairPhase::handshake_wrong_name; }
  void prepare() override;
  Outcome run() noexcept override;
  void check(const Outcome& outcome) override;
  void discard() noexcept override { pair_.reset(); }

 private:
  // settle carries the pair on, unarmed and in the status form, to a quiet
  // point: finish the shutdown for the shutdown phase, else finish the
  // handshake and send one more message each way. Its Outcome says whether
  // any call reported an error.
  Outcome settle();

  PairPhase phase_;
  Form form_;
  Context& client_ctx_;
  Context& server_ctx_;
  std::string variant_;
  std::unique_ptr<Pair> pair_;  // a unique_ptr: GCC 12 misreads an optional<Pair> as maybe uninitialised
};

// try_handshake makes a status-form pair of the two contexts, the client
// naming `hostname`, and runs its handshake; on failure the Outcome says
// what the failing end reported.
Outcome try_handshake(Context& client_ctx, Context& server_ctx, const char* hostname);

// warm_up makes OpenSSL and sslpp build what they cache on first use (the
// test PKI, algorithm fetches, error strings, the BIO method) by running
// every phase once, successful and failing, so the cases see steady state.
void warm_up();

}  // namespace sslpp::test::alloc
