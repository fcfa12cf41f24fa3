// Issue 11 item 7 for connections: each allocation made while a client and
// a server over memory make their connections, shake hands, write, read
// and shut down is failed once, in both I/O forms (see sweep.hpp for the
// rules each case is held to).
#include <gtest/gtest.h>

#include <tuple>

#include "alloc/known_findings.hpp"
#include "alloc/pair.hpp"
#include "support/pki.hpp"

namespace sslpp::test::alloc {
namespace {

// sweep_phase sweeps one phase over connections of the two contexts, which
// exist before anything is armed: only the phase's own allocations fail.
void sweep_phase(PairPhase phase, Form form, Context& client_ctx, Context& server_ctx, SweepOptions options,
                 std::string variant = {}) {
  PairScenario scenario(phase, form, client_ctx, server_ctx, std::move(variant));
  const SweepResult result = sweep(scenario, options, known_findings);
  EXPECT_GT(result.allocations, 0U);
  // Every armed failure must have happened: otherwise the step's
  // allocations vary from run to run and the count misleads.
  EXPECT_EQ(result.not_fired, 0U);
}

// How many cases a phase gets: the handshake, write, read and shutdown
// have every allocation point failed (the handshake's 3,100 are most of
// the run time); the wrong-name handshake, which repeats most of the
// handshake to prove that out of memory never lets a wrong name through,
// has every point of sslpp's own and a spread of OpenSSL's.
SweepOptions options_for(PairPhase phase) {
  return phase == PairPhase::handshake_wrong_name ? SweepOptions{.max_cases = 400} : SweepOptions{};
}

using Param = std::tuple<PairPhase, Form>;

class ConnectionAllocationFailure : public ::testing::TestWithParam<Param> {};

TEST_P(ConnectionAllocationFailure, EveryAllocationFailedOnce) {
  const auto [phase, form] = GetParam();
  Context client_ctx = client_context();
  Context server_ctx = server_context();
  sweep_phase(phase, form, client_ctx, server_ctx, options_for(phase));
}

std::string param_name(const ::testing::TestParamInfo<Param>& info) {
  const auto [phase, form] = info.param;
  return std::string(to_string(phase)) + (form == Form::status ? "_status" : "_throwing");
}

// Making a connection has only the throwing form (wrap_bio); every other
// phase runs in both.
INSTANTIATE_TEST_SUITE_P(Make, ConnectionAllocationFailure,
                         ::testing::Values(Param{PairPhase::make, Form::throwing}), param_name);
INSTANTIATE_TEST_SUITE_P(Phases, ConnectionAllocationFailure,
                         ::testing::Combine(::testing::Values(PairPhase::handshake, PairPhase::handshake_wrong_name,
                                                              PairPhase::write, PairPhase::read, PairPhase::shutdown),
                                            ::testing::Values(Form::status, Form::throwing)),
                         param_name);

// With a verify callback the handshake runs sslpp code for each
// certificate of the chain (the trampoline wraps it in a Certificate):
// sslpp's own allocations inside OpenSSL's handshake.
TEST(ConnectionAllocationFailureCallbacks, HandshakeWithVerifyCallback) {
  Context client_ctx = client_context();
  client_ctx.set_verify(VERIFY_PEER, [](Connection&, const Certificate&, int, int, bool ok) { return ok; });
  Context server_ctx = server_context();
  sweep_phase(PairPhase::handshake, Form::status, client_ctx, server_ctx, {.max_cases = 200}, "verify callback");
}

// A failed verification is explained (verify_failure.hpp): the trampoline
// captures the chain inside OpenSSL's handshake and classify builds the
// summaries and the hint. Out of memory there may lose the explanation,
// never the failure: an untrusted server must still be refused.
TEST(ConnectionAllocationFailureCallbacks, ExplainedVerificationFailure) {
  Context client_ctx = client_context();
  Context server_ctx = server_context(&pki().untrusted);
  for (const Form form : {Form::status, Form::throwing}) {
    sweep_phase(PairPhase::handshake_wrong_name, form, client_ctx, server_ctx, {.max_cases = 400},
                "untrusted server");
  }
}

// DTLS over the same pair: the cookie exchange with sslpp's default cookie
// (an HMAC of the client's address under the context's secret) in the
// handshake, then a record, one per datagram, each way. The wrong name must
// still never pass.
class DtlsAllocationFailure : public ::testing::TestWithParam<Param> {};

TEST_P(DtlsAllocationFailure, EveryAllocationFailedOnce) {
  const auto [phase, form] = GetParam();
  Context client_ctx = dtls_client_context();
  Context server_ctx = dtls_server_context();
  sweep_phase(phase, form, client_ctx, server_ctx, options_for(phase), "DTLS");
}

INSTANTIATE_TEST_SUITE_P(Phases, DtlsAllocationFailure,
                         ::testing::Combine(::testing::Values(PairPhase::handshake, PairPhase::handshake_wrong_name,
                                                              PairPhase::write),
                                            ::testing::Values(Form::status, Form::throwing)),
                         param_name);

// Reading a DTLS record and the close_notify exchange allocate nothing in
// the status form (the throwing form allocates only its exceptions): there
// is nothing there for the sweep to fail, and it counts so.
TEST(DtlsAllocationFailure, ReadAndShutdownAllocateNothing) {
  Context client_ctx = dtls_client_context();
  Context server_ctx = dtls_server_context();
  for (const PairPhase phase : {PairPhase::read, PairPhase::shutdown}) {
    PairScenario scenario(phase, Form::status, client_ctx, server_ctx, "DTLS");
    EXPECT_EQ(sweep(scenario, {}, known_findings).allocations, 0U) << to_string(phase);
  }
}

}  // namespace
}  // namespace sslpp::test::alloc
