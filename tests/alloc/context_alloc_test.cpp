// Issue 11 item 7 for contexts: each allocation made while a Context is
// constructed or loads its certificate, key or trust anchors is failed
// once. A failure must be an sslpp exception or std::bad_alloc and leak
// nothing; a context whose construction or load reported success must
// work (serve, or verify: accept the right name, refuse the wrong one);
// one whose load failed must be made whole by loading again.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>

#include "alloc/failing_allocator.hpp"
#include "alloc/known_findings.hpp"
#include "alloc/pair.hpp"
#include "support/pki.hpp"

namespace sslpp::test::alloc {
namespace {

enum class ContextStep {
  make_client,            // Context(PROTOCOL_TLS_CLIENT)
  make_server,            // Context(PROTOCOL_TLS_SERVER)
  load_cert_chain,        // certificate and key files
  load_cert_chain_encrypted,  // an encrypted key, with its password
  load_verify_locations,  // a CA file
  load_verify_cadata,     // CA certificates as PEM text
};

const char* to_string(ContextStep step) {
  switch (step) {
    case ContextStep::make_client:
      return "make_client";
    case ContextStep::make_server:
      return "make_server";
    case ContextStep::load_cert_chain:
      return "load_cert_chain";
    case ContextStep::load_cert_chain_encrypted:
      return "load_cert_chain_encrypted";
    case ContextStep::load_verify_locations:
      return "load_verify_locations";
    case ContextStep::load_verify_cadata:
      return "load_verify_cadata";
  }
  return "?";
}

bool is_client(ContextStep step) {
  return step == ContextStep::make_client || step == ContextStep::load_verify_locations ||
         step == ContextStep::load_verify_cadata;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class ContextScenario final : public Scenario {
 public:
  explicit ContextScenario(ContextStep step)
      : step_(step), ca_pem_(read_text(pki().ca_file)), client_peer_(client_context()), server_peer_(server_context()) {}

  [[nodiscard]] std::string name() const override { return std::string("context ") + to_string(step_); }

  void prepare() override {
    if (step_ != ContextStep::make_client && step_ != ContextStep::make_server) {
      ctx_.emplace(is_client(step_) ? PROTOCOL_TLS_CLIENT : PROTOCOL_TLS_SERVER);
    }
  }

  Outcome run() noexcept override {
    return capture([this](Outcome&) { perform(); });
  }

  void check(const Outcome& outcome) override {
    if (!ctx_) {
      EXPECT_FALSE(outcome.ok()) << name();
      return;  // construction failed: nothing was made
    }
    if (!outcome.ok() || made_here()) {
      // Load what the step did not (a failed load, or a bare new context),
      // nothing failing now; a failed load must not have left the context
      // in a state a second load cannot fix.
      complete();
    }
    const Outcome works = is_client(step_) ? try_handshake(*ctx_, server_peer_, "localhost")
                                           : try_handshake(client_peer_, *ctx_, "localhost");
    const auto known = std::find_if(known_degradations.begin(), known_degradations.end(),
                                    [this](const KnownDegradation& d) { return d.scenario == name(); });
    if (!works.ok() && outcome.ok() && works.verdict == Verdict::typed_error && known != known_degradations.end()) {
      if (degraded_++ == 0) {
        std::printf("[alloc] %s: reported success, then failed closed (%.*s): %s; the failed allocation:\n",
                    name().c_str(), static_cast<int>(known->why.size()), known->why.data(), works.what);
        print_failed_stack(stdout);
      }
    } else {
      EXPECT_TRUE(works.ok()) << name() << ": " << works.what;
    }
    if (is_client(step_)) {
      // Whatever the context lacks, it must never verify the wrong name.
      EXPECT_FALSE(try_handshake(*ctx_, server_peer_, "wrong.example").ok()) << name() << ": a wrong name verified";
    }
  }

  [[nodiscard]] int degraded() const { return degraded_; }

  void discard() noexcept override { ctx_.reset(); }

 private:
  // perform is the step itself.
  void perform() {
    const Pki& p = pki();
    switch (step_) {
      case ContextStep::make_client:
        ctx_.emplace(PROTOCOL_TLS_CLIENT);
        return;
      case ContextStep::make_server:
        ctx_.emplace(PROTOCOL_TLS_SERVER);
        return;
      case ContextStep::load_cert_chain:
        ctx_->load_cert_chain(p.server.cert, p.server.key);
        return;
      case ContextStep::load_cert_chain_encrypted:
        ctx_->load_cert_chain(p.server.cert, p.encrypted_key, std::string_view(p.key_password));
        return;
      case ContextStep::load_verify_locations:
        ctx_->load_verify_locations(p.ca_file);
        return;
      case ContextStep::load_verify_cadata:
        ctx_->load_verify_locations(VerifyLocations{.cadata_pem = ca_pem_});
        return;
    }
  }

  [[nodiscard]] bool made_here() const {
    return step_ == ContextStep::make_client || step_ == ContextStep::make_server;
  }

  // complete gives the context what a client or a server needs.
  void complete() {
    if (is_client(step_)) {
      ctx_->load_verify_locations(pki().ca_file);
    } else {
      ctx_->load_cert_chain(pki().server.cert, pki().server.key);
    }
  }

  ContextStep step_;
  std::string ca_pem_;
  Context client_peer_;  // for a server context to serve
  Context server_peer_;  // for a client context to verify
  std::optional<Context> ctx_;
  int degraded_ = 0;
};

class ContextAllocationFailure : public ::testing::TestWithParam<ContextStep> {};

TEST_P(ContextAllocationFailure, EveryAllocationFailedOnce) {
  ContextScenario scenario(GetParam());
  // Loading a key or a certificate makes thousands of allocations in
  // OpenSSL's decoders (13,000 for a password-protected key, most in its
  // key derivation loop) and every case ends in a handshake or two: every
  // allocation of sslpp's own and a spread of OpenSSL's keep it short.
  const SweepResult result = sweep(scenario, {.max_cases = 200}, known_findings);
  EXPECT_GT(result.allocations, 0U);
  EXPECT_EQ(result.not_fired, 0U);
  if (scenario.degraded() > 0) {
    std::printf("[alloc] %s: %d contexts failed closed after reporting success (a known degradation)\n",
                scenario.name().c_str(), scenario.degraded());
  }
}

INSTANTIATE_TEST_SUITE_P(Steps, ContextAllocationFailure,
                         ::testing::Values(ContextStep::make_client, ContextStep::make_server,
                                           ContextStep::load_cert_chain, ContextStep::load_cert_chain_encrypted,
                                           ContextStep::load_verify_locations, ContextStep::load_verify_cadata),
                         [](const ::testing::TestParamInfo<ContextStep>& info) { return to_string(info.param); });

}  // namespace
}  // namespace sslpp::test::alloc
