// The DTLS stateless listener (dtls_listen) under memory pressure: the part
// of a DTLS server that meets unauthenticated, possibly forged, traffic.
// Each allocation made while it answers a ClientHello without a cookie, or
// takes one that carries its cookie, is failed once (see sweep.hpp for the
// rules every case is held to). On top of those: a ClientHello without a
// valid cookie never gets through, and a listener that took one with its
// cookie goes on to a working connection.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "alloc/known_findings.hpp"
#include "alloc/pair.hpp"
#include "support/pki.hpp"

namespace sslpp::test::alloc {
namespace {

enum class ListenStep {
  first_hello,        // a ClientHello without a cookie: answered with a HelloVerifyRequest
  hello_with_cookie,  // the ClientHello again, with the cookie: accepted
};

constexpr std::string_view ping = "ping after the cookie";
constexpr std::string_view pong = "pong after the cookie";

class ListenScenario final : public Scenario {
 public:
  ListenScenario(ListenStep step, Form form, Context& client_ctx, Context& server_ctx)
      : step_(step), form_(form), client_ctx_(client_ctx), server_ctx_(server_ctx) {}

  [[nodiscard]] std::string name() const override {
    return std::string("dtls_listen, ") +
           (step_ == ListenStep::first_hello ? "a ClientHello without a cookie" : "a ClientHello with its cookie") +
           (form_ == Form::status ? " (status form)" : " (throwing form)");
  }

  // The client's first ClientHello waits in the listener's input; for
  // hello_with_cookie the listener has answered it and the client's second
  // ClientHello, with the cookie, waits instead.
  void prepare() override {
    pair_ = std::make_unique<Pair>();
    Pair& p = *pair_;
    p.make(client_ctx_, server_ctx_, "localhost");
    Outcome out;
    Io io(Form::status, out);
    bool ready = io.handshake(*p.client) == Step::again && p.transfer() > 0;
    if (ready && step_ == ListenStep::hello_with_cookie) {
      ready = io.listen(*p.server) == Step::again && p.transfer() > 0 && io.handshake(*p.client) == Step::again &&
              p.transfer() > 0;
    }
    if (!ready) {
      ADD_FAILURE() << name() << ": preparing failed: " << out.what;
    }
  }

  Outcome run() noexcept override {
    return capture([this](Outcome& out) {
      Io io(form_, out);
      accepted_ = io.listen(*pair_->server) == Step::done;
    });
  }

  void check(const Outcome& outcome) override {
    if (!outcome.ok()) {
      return;  // a typed error: a server drops this listener and makes another
    }
    Pair& p = *pair_;
    Outcome out;
    Io io(Form::status, out);
    if (step_ == ListenStep::first_hello) {
      EXPECT_FALSE(accepted_) << name() << ": a ClientHello without a cookie got through";
      if (p.transfer() == 0) {
        return;  // dropped, not answered: the client's retransmission would try again
      }
      // Answered: the client's second ClientHello carries a cookie this
      // listener must accept.
      ASSERT_EQ(io.handshake(*p.client), Step::again) << name() << ": " << out.what;
      p.transfer();
      ASSERT_EQ(io.listen(*p.server), Step::done) << name() << ": the cookie it handed out was refused";
    } else if (!accepted_) {
      return;  // dropped: the client's retransmission would try again
    }
    // Accepted: the handshake goes on with this client and the connection works.
    EXPECT_TRUE(p.handshake(io) && p.write_both(io, ping, pong) && p.read_both(io)) << name() << ": " << out.what;
    EXPECT_EQ(p.server_got, p.client_sent) << name();
    EXPECT_EQ(p.client_got, p.server_sent) << name();
  }

  void discard() noexcept override { pair_.reset(); }

 private:
  ListenStep step_;
  Form form_;
  Context& client_ctx_;
  Context& server_ctx_;
  std::unique_ptr<Pair> pair_;
  bool accepted_ = false;
};

using Param = std::tuple<ListenStep, Form>;

class DtlsListenAllocationFailure : public ::testing::TestWithParam<Param> {};

TEST_P(DtlsListenAllocationFailure, EveryAllocationFailedOnce) {
  const auto [step, form] = GetParam();
  Context client_ctx = dtls_client_context();
  Context server_ctx = dtls_server_context();
  ListenScenario scenario(step, form, client_ctx, server_ctx);
  const SweepResult result = sweep(scenario, {}, known_findings);
  EXPECT_GT(result.allocations, 0U);
  EXPECT_EQ(result.not_fired, 0U);
}

std::string param_name(const ::testing::TestParamInfo<Param>& info) {
  const auto [step, form] = info.param;
  return std::string(step == ListenStep::first_hello ? "first_hello" : "hello_with_cookie") +
         (form == Form::status ? "_status" : "_throwing");
}

INSTANTIATE_TEST_SUITE_P(Steps, DtlsListenAllocationFailure,
                         ::testing::Combine(::testing::Values(ListenStep::first_hello, ListenStep::hello_with_cookie),
                                            ::testing::Values(Form::status, Form::throwing)),
                         param_name);

}  // namespace
}  // namespace sslpp::test::alloc
