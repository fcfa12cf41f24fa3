// The known findings of known_findings.hpp, each on its own: the smallest
// call that shows it. While a finding is listed, its test checks that it
// still happens (so the list cannot go stale); once the entry is removed,
// the same sweep asserts the correct behaviour: std::bad_alloc, no leak.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <variant>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <sslpp/cert_store.hpp>
#include <sslpp/certificate.hpp>
#include <sslpp/keys.hpp>
#include <sslpp/name.hpp>
#include <sslpp/session.hpp>

#include "alloc/known_findings.hpp"
#include "support/pki.hpp"

namespace sslpp::test::alloc {
namespace {

bool is_listed(std::string_view scenario) {
  return std::any_of(known_findings.begin(), known_findings.end(),
                     [&](const KnownFinding& k) { return k.scenario == scenario; });
}

// F1 ---------------------------------------------------------------------
//
// HandleScenario wraps a fresh OpenSSL object in an sslpp handle with
// from_native: one OpenSSL allocation or none, then the shared_ptr's
// control block (operator new).

using Handle = std::variant<std::monostate, Certificate, PublicKey, PrivateKey, Name, CertStore, Session>;

struct HandleKind {
  const char* name;
  void* (*make_native)();               // a new OpenSSL object (unarmed)
  Handle (*wrap)(void* native);         // from_native: the step
  void (*free_native)(void* native);    // drops the test's own reference
};

void* new_pkey() { return ::EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"); }
void free_pkey(void* p) { ::EVP_PKEY_free(static_cast<EVP_PKEY*>(p)); }
void* new_x509() {
  X509* x = pki().ca.certificate().native_handle();
  ::X509_up_ref(x);
  return x;
}
void free_x509(void* p) { ::X509_free(static_cast<X509*>(p)); }

const HandleKind kinds[] = {
    {"Certificate::from_native", &new_x509, [](void* p) -> Handle { return Certificate::from_native(static_cast<X509*>(p)); },
     &free_x509},
    {"PublicKey::from_native", &new_pkey, [](void* p) -> Handle { return PublicKey::from_native(static_cast<EVP_PKEY*>(p)); },
     &free_pkey},
    {"PrivateKey::from_native", &new_pkey,
     [](void* p) -> Handle { return PrivateKey::from_native(static_cast<EVP_PKEY*>(p)); }, &free_pkey},
    {"Name::from_native", &new_x509,
     [](void* p) -> Handle { return Name::from_native(::X509_get_subject_name(static_cast<X509*>(p))); }, &free_x509},
    {"CertStore::from_native", [] { return static_cast<void*>(::X509_STORE_new()); },
     [](void* p) -> Handle { return CertStore::from_native(static_cast<X509_STORE*>(p)); },
     [](void* p) { ::X509_STORE_free(static_cast<X509_STORE*>(p)); }},
    {"Session::from_native", [] { return static_cast<void*>(::SSL_SESSION_new()); },
     [](void* p) -> Handle { return Session::from_native(static_cast<SSL_SESSION*>(p)); },
     [](void* p) { ::SSL_SESSION_free(static_cast<SSL_SESSION*>(p)); }},
};

class HandleScenario final : public Scenario {
 public:
  explicit HandleScenario(const HandleKind& kind) : kind_(kind) {}
  [[nodiscard]] std::string name() const override { return kind_.name; }
  void prepare() override { native_ = kind_.make_native(); }
  Outcome run() noexcept override {
    return capture([this](Outcome&) { handle_ = kind_.wrap(native_); });
  }
  void check(const Outcome& outcome) override {
    EXPECT_EQ(outcome.ok(), handle_.index() != 0) << name();
  }
  void discard() noexcept override {
    handle_ = std::monostate{};
    kind_.free_native(native_);
  }

 private:
  const HandleKind& kind_;
  void* native_ = nullptr;
  Handle handle_;
};

class SharedHandleOutOfMemory : public ::testing::TestWithParam<const HandleKind*> {};

TEST_P(SharedHandleOutOfMemory, ThrowsBadAlloc) {
  HandleScenario scenario(*GetParam());
  const SweepResult result = sweep(scenario, {}, known_findings);
  if (is_listed(scenario.name())) {
    EXPECT_GT(result.known_deaths, 0U) << scenario.name()
                                       << " no longer terminates: F1 is fixed here, remove it from known_findings";
  } else {
    EXPECT_EQ(result.bad_allocs + result.typed_errors, result.cases) << scenario.name();
  }
}

INSTANTIATE_TEST_SUITE_P(F1, SharedHandleOutOfMemory, ::testing::ValuesIn([] {
                           std::vector<const HandleKind*> all;
                           for (const HandleKind& k : kinds) {
                             all.push_back(&k);
                           }
                           return all;
                         }()),
                         [](const ::testing::TestParamInfo<const HandleKind*>& info) {
                           std::string name = info.param->name;
                           return name.substr(0, name.find(':'));
                         });

}  // namespace
}  // namespace sslpp::test::alloc
