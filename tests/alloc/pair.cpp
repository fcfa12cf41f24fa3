#include "alloc/pair.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>

#include <openssl/x509_vfy.h>

#include <sslpp/error.hpp>

#include "support/pki.hpp"

namespace sslpp::test::alloc {

namespace {

constexpr std::string_view ping = "ping from the client";
constexpr std::string_view pong = "pong from the server";
constexpr std::string_view ping_after = "after the step, from the client";
constexpr std::string_view pong_after = "after the step, from the server";

// Bounds on the loops below, so a connection that stops making progress
// fails the case instead of hanging the run.
constexpr int max_rounds = 50;
constexpr int max_reads_per_round = 16;

// Far more plaintext than any case sends, so the books never reallocate.
constexpr std::size_t books_capacity = 4096;

// move_bytes moves every pending ciphertext byte from `from` to `to`. A
// receiver out of memory takes fewer bytes than offered (bio_write returns
// the count); the rest is offered again, as a driver must, and only what
// it still refuses after that is lost.
std::size_t move_bytes(Connection& from, Connection& to, bool& lost) noexcept {
  std::array<std::byte, 16384> buf{};
  std::size_t total = 0;
  while (const std::size_t n = from.bio_read(buf)) {
    std::size_t taken = 0;
    for (int attempt = 0; attempt < 3 && taken < n; ++attempt) {
      taken += to.bio_write(std::span<const std::byte>(buf.data() + taken, n - taken));
    }
    lost = lost || taken < n;
    total += n;
  }
  return total;
}

void append(std::string& books, std::span<const std::byte> bytes) noexcept {
  // The books are reserved well past anything a case writes: this never allocates.
  books.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

}  // namespace

// ---------------------------------------------------------------------------
// Io

template <typename StatusCall, typename ThrowingCall>
Step Io::call(Connection& c, StatusCall&& status_call, ThrowingCall&& throwing_call) noexcept {
  if (form_ == Form::throwing) {
    try {
      return throwing_call();
    } catch (const SSLWantReadError&) {
      return Step::again;
    } catch (const SSLWantWriteError&) {
      return Step::again;
    } catch (const SSLZeroReturnError&) {
      return Step::closed;
    } catch (...) {
      record_current_exception(out_);
      return Step::failed;
    }
  }
  std::error_code ec;
  const io_result r = status_call(ec);
  switch (r.status) {
    case io_status::ok:
      return Step::done;
    case io_status::want_read:
    case io_status::want_write:
      return Step::again;
    case io_status::closed:
      return Step::closed;
    case io_status::truncated:
    case io_status::error:
      break;
  }
  // An error status must come with its code, the one last_error() keeps.
  if (!ec) {
    out_.set(Verdict::foreign, "an error status without an error code");
  } else if (c.last_error().code != ec) {
    out_.set(Verdict::foreign, "the error code differs from last_error()");
  } else {
    char text[sizeof out_.what];
    std::snprintf(text, sizeof text, "%s: %s error %d", to_string(r.status).data(), ec.category().name(),
                  ec.value());
    out_.set(Verdict::typed_error, text);
  }
  return Step::failed;
}

Step Io::handshake(Connection& c) noexcept {
  return call(
      c, [&](std::error_code& ec) { return c.do_handshake(ec); },
      [&] {
        c.do_handshake();
        return Step::done;
      });
}

Step Io::write(Connection& c, std::string_view data, std::size_t& taken) noexcept {
  const auto bytes = std::as_bytes(std::span(data));
  taken = 0;
  return call(
      c,
      [&](std::error_code& ec) {
        const io_result r = c.write(bytes, ec);
        taken = r.bytes;
        return r;
      },
      [&] {
        taken = c.write(bytes);
        return Step::done;
      });
}

Step Io::read(Connection& c, std::span<std::byte> buf, std::size_t& got) noexcept {
  got = 0;
  return call(
      c,
      [&](std::error_code& ec) {
        const io_result r = c.read(buf, ec);
        got = r.bytes;
        return r;
      },
      [&] {
        got = c.read(buf);
        return got == 0 ? Step::closed : Step::done;
      });
}

Step Io::shutdown(Connection& c) noexcept {
  return call(
      c, [&](std::error_code& ec) { return c.shutdown(ec); }, [&] { return c.shutdown() ? Step::done : Step::again; });
}

Step Io::listen(Connection& c) noexcept {
  return call(
      c, [&](std::error_code& ec) { return c.dtls_listen(ec); },
      [&] { return c.dtls_listen() ? Step::done : Step::again; });
}

// ---------------------------------------------------------------------------
// Pair

Pair::Pair() {
  client_sent.reserve(books_capacity);
  server_sent.reserve(books_capacity);
  client_got.reserve(books_capacity);
  server_got.reserve(books_capacity);
}

void Pair::make(Context& client_ctx, Context& server_ctx, const char* hostname) {
  client.emplace(client_ctx.wrap_bio({.server_hostname = hostname}));
  server.emplace(server_ctx.wrap_bio({.server_side = true}));
  if (is_dtls(server_ctx.protocol())) {
    server->set_peer_address(Address{"192.0.2.1", 5684, AF_INET});
  }
}

std::size_t Pair::transfer() noexcept {
  const std::size_t a = move_bytes(*client, *server, transport_lost);
  return a + move_bytes(*server, *client, transport_lost);
}

bool Pair::handshake(Io& io) noexcept {
  bool client_done = false;
  bool server_done = false;
  // step advances one end's handshake unless it is done; false on failure.
  const auto step = [&io](Connection& conn, bool& done) {
    if (done) {
      return true;
    }
    const Step s = io.handshake(conn);
    if (s == Step::closed) {
      io.outcome().set(Verdict::foreign, "the handshake reported the peer's close_notify");
    }
    done = s == Step::done;
    return s == Step::done || s == Step::again;
  };
  for (int round = 0; round < max_rounds; ++round) {
    if (!step(*client, client_done)) {
      return false;
    }
    const std::size_t a = move_bytes(*client, *server, transport_lost);
    if (!step(*server, server_done)) {
      return false;
    }
    const std::size_t b = move_bytes(*server, *client, transport_lost);
    if (client_done && server_done && a == 0 && b == 0) {
      return true;
    }
  }
  io.outcome().set(Verdict::foreign, "the handshake stalled");
  return false;
}

bool Pair::write_both(Io& io, std::string_view from_client, std::string_view from_server) noexcept {
  const auto write = [&io](Connection& conn, std::string_view data, std::string& books) {
    std::size_t taken = 0;
    const Step s = io.write(conn, data, taken);
    if (s == Step::failed) {
      return false;
    }
    append(books, std::as_bytes(std::span(data.substr(0, taken))));
    if (s != Step::done || taken != data.size()) {
      // Memory transports are unbounded here: a write takes everything.
      io.outcome().set(Verdict::foreign, "a write took only part of its data");
      return false;
    }
    return true;
  };
  const bool ok = write(*client, from_client, client_sent) && write(*server, from_server, server_sent);
  transfer();
  return ok;
}

bool Pair::read_both(Io& io) noexcept {
  std::array<std::byte, 1024> buf{};
  // drain reads one end until it has nothing more now; false on failure.
  const auto drain = [&io, &buf](Connection& conn, std::string& books, bool& any) {
    for (int i = 0; i < max_reads_per_round; ++i) {
      std::size_t got = 0;
      const Step s = io.read(conn, buf, got);
      if (s == Step::failed) {
        return false;
      }
      if (s != Step::done) {
        return true;  // nothing more now (again), or the peer closed
      }
      append(books, std::span(buf.data(), got));
      any = true;
    }
    return true;
  };
  for (int round = 0; round < max_rounds; ++round) {
    bool any = false;
    if (!drain(*server, server_got, any) || !drain(*client, client_got, any)) {
      return false;
    }
    if (transfer() == 0 && !any) {
      return true;
    }
  }
  io.outcome().set(Verdict::foreign, "reading never ran dry");
  return false;
}

bool Pair::shutdown(Io& io) noexcept {
  bool client_done = false;
  bool server_done = false;
  const auto step = [&io](Connection& conn, bool& done) {
    if (!done) {
      const Step s = io.shutdown(conn);
      done = s == Step::done;
      return s != Step::failed;
    }
    return true;
  };
  for (int round = 0; round < max_rounds; ++round) {
    if (!step(*client, client_done)) {
      return false;
    }
    transfer();
    if (!step(*server, server_done)) {
      return false;
    }
    transfer();
    if (client_done && server_done) {
      return true;
    }
  }
  io.outcome().set(Verdict::foreign, "the shutdown stalled");
  return false;
}

// ---------------------------------------------------------------------------
// PairScenario

const char* to_string(PairPhase phase) noexcept {
  switch (phase) {
    case PairPhase::make:
      return "make";
    case PairPhase::handshake:
      return "handshake";
    case PairPhase::handshake_wrong_name:
      return "handshake_wrong_name";
    case PairPhase::write:
      return "write";
    case PairPhase::read:
      return "read";
    case PairPhase::shutdown:
      return "shutdown";
  }
  return "?";
}

std::string PairScenario::name() const {
  return std::string("connection ") + to_string(phase_) + (variant_.empty() ? "" : ", " + variant_) +
         (form_ == Form::status ? " (status form)" : " (throwing form)");
}

void PairScenario::prepare() {
  pair_ = std::make_unique<Pair>();
  Pair& p = *pair_;
  if (phase_ == PairPhase::make) {
    return;
  }
  p.make(client_ctx_, server_ctx_, phase_ == PairPhase::handshake_wrong_name ? "wrong.example" : "localhost");
  if (phase_ == PairPhase::handshake || phase_ == PairPhase::handshake_wrong_name) {
    return;
  }
  // Up to the phase's start, in the status form, nothing failing.
  Outcome out;
  Io io(Form::status, out);
  bool ok = p.handshake(io);
  if (ok && phase_ == PairPhase::read) {
    ok = p.write_both(io, ping, pong);
  } else if (ok && phase_ == PairPhase::shutdown) {
    ok = p.write_both(io, ping, pong) && p.read_both(io);
  }
  if (!ok) {
    ADD_FAILURE() << name() << ": preparing failed: " << out.what;
  }
}

Outcome PairScenario::run() noexcept {
  return capture([this](Outcome& out) {
    Pair& p = *pair_;
    Io io(form_, out);
    switch (phase_) {
      case PairPhase::make:
        p.make(client_ctx_, server_ctx_, "localhost");
        return;
      case PairPhase::handshake:
      case PairPhase::handshake_wrong_name:
        p.handshake(io);
        return;
      case PairPhase::write:
        p.write_both(io, ping, pong);
        return;
      case PairPhase::read:
        p.read_both(io);
        return;
      case PairPhase::shutdown:
        p.shutdown(io);
        return;
    }
  });
}

Outcome PairScenario::settle() {
  Outcome out;
  Io io(Form::status, out);
  Pair& p = *pair_;
  if (phase_ == PairPhase::shutdown) {
    if (p.shutdown(io)) {
      // Closed both ways: every later read reports the close.
      std::array<std::byte, 64> buf{};
      for (Connection* conn : {&*p.client, &*p.server}) {
        std::size_t got = 0;
        const Step s = io.read(*conn, buf, got);
        if (s != Step::closed && s != Step::failed) {
          out.set(Verdict::foreign, "a read after the shutdown did not report the close");
        }
      }
    }
    return out;
  }
  if (p.handshake(io) && p.read_both(io) && p.write_both(io, ping_after, pong_after)) {
    p.read_both(io);
  }
  return out;
}

void PairScenario::check(const Outcome& outcome) {
  Pair& p = *pair_;
  if (!p.client || !p.server) {
    EXPECT_FALSE(outcome.ok()) << name();
    return;  // making the pair failed: nothing to carry on with
  }
  const Outcome settled = settle();
  EXPECT_FALSE(p.transport_lost) << name() << ": a receiver kept refusing ciphertext";
  if (phase_ == PairPhase::handshake_wrong_name) {
    // The classic failure of TLS wrappers: a connection that works while
    // checking nothing. Out of memory must not open that door.
    EXPECT_FALSE(outcome.ok()) << name() << ": the handshake to the wrong name succeeded";
    EXPECT_FALSE(settled.ok()) << name() << ": carrying on, the connection to the wrong name worked";
    return;
  }
  if (outcome.ok()) {
    EXPECT_TRUE(settled.ok()) << name() << ": the step succeeded, then the connection failed: " << settled.what;
  }
  if (!settled.ok()) {
    return;  // it reports errors from now on: the failure was not hidden
  }
  // Working, so working correctly: every byte read is a byte whose write
  // was reported taken, in order, none lost, none twice.
  EXPECT_EQ(p.server_got, p.client_sent) << name();
  EXPECT_EQ(p.client_got, p.server_sent) << name();
  EXPECT_EQ(p.client->verify_result(), X509_V_OK) << name();
  if (phase_ == PairPhase::shutdown) {
    for (const Connection* conn : {&*p.client, &*p.server}) {
      EXPECT_EQ(conn->get_shutdown(), SENT_SHUTDOWN | RECEIVED_SHUTDOWN) << name();
    }
  }
}

// ---------------------------------------------------------------------------

Outcome try_handshake(Context& client_ctx, Context& server_ctx, const char* hostname) {
  Pair p;
  p.make(client_ctx, server_ctx, hostname);
  Outcome out;
  Io io(Form::status, out);
  if (p.handshake(io)) {
    return out;
  }
  // The reason, in words, for the log.
  const ErrorInfo& error = p.client->last_error().code ? p.client->last_error() : p.server->last_error();
  out.set(out.verdict, error.message);
  return out;
}

void warm_up() {
  static_cast<void>(pki());
  const auto every_phase = [](Context client_ctx, Context server_ctx, std::initializer_list<PairPhase> phases) {
    for (const PairPhase phase : phases) {
      for (const Form form : {Form::status, Form::throwing}) {
        PairScenario scenario(phase, form, client_ctx, server_ctx);
        scenario.prepare();
        scenario.check(scenario.run());
        scenario.discard();
      }
    }
  };
  every_phase(client_context(), server_context(),
              {PairPhase::make, PairPhase::handshake, PairPhase::handshake_wrong_name, PairPhase::write,
               PairPhase::read, PairPhase::shutdown});
  every_phase(dtls_client_context(), dtls_server_context(),
              {PairPhase::handshake, PairPhase::handshake_wrong_name, PairPhase::write});
}

}  // namespace sslpp::test::alloc
