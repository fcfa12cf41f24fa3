// Context's key exchange and signature settings: groups (set_groups,
// get_groups, set_ecdh_curve), finite-field DH parameters (load_tmp_dh,
// set_dh_auto), and the signature algorithms of both sides
// (set_client_sigalgs, set_server_sigalgs, get_sigalgs).
#include <sslpp/context.hpp>

#include <algorithm>
#include <array>
#include <set>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/ssl.h>

#include <sslpp/error.hpp>

#include "context/context_state.hpp"
#include "internal/error_queue.hpp"
#include "x509/pem.hpp"

namespace sslpp {

namespace {

using detail::check;

// for_each_name calls `f(name)` for each name of OpenSSL's "a:b:c" list.
template <typename F>
void for_each_name(std::string_view list, F&& f) {
  while (!list.empty()) {
    const std::size_t colon = list.find(':');
    f(list.substr(0, colon));
    list = colon == std::string_view::npos ? std::string_view{} : list.substr(colon + 1);
  }
}

// scratch_context is an SSL_CTX to try names on, so that a rejected name
// is found without touching the user's context.
detail::unique_handle<SSL_CTX> scratch_context() {
  detail::unique_handle<SSL_CTX> ctx(::SSL_CTX_new(::TLS_method()));
  if (!ctx) {
    detail::throw_openssl_error("SSL_CTX_new");
  }
  return ctx;
}

// set_list applies OpenSSL's colon list with `apply`; when OpenSSL refuses
// it, each name is tried alone to say which one it does not know (OpenSSL's
// own error says only that the list failed).
template <typename Apply>
void set_list(SSL_CTX* ctx, std::string_view list, std::string_view what, Apply&& apply) {
  const std::string text(list);
  if (text.empty()) {
    detail::throw_value_error(std::string(what) + ": the list is empty");
  }
  if (text.find('\0') != std::string::npos) {
    detail::throw_value_error(std::string(what) + ": the list contains a NUL byte");
  }
  detail::clear_stale_errors();
  if (apply(ctx, text.c_str()) == 1) {
    return;
  }
  ::ERR_clear_error();
  const detail::unique_handle<SSL_CTX> scratch = scratch_context();
  std::string unknown;
  for_each_name(text, [&](std::string_view name) {
    if (unknown.empty() && (name.empty() || apply(scratch.get(), std::string(name).c_str()) != 1)) {
      unknown = name.empty() ? "(empty name)" : std::string(name);
    }
  });
  ::ERR_clear_error();
  if (unknown.empty()) {
    detail::throw_value_error(std::string(what) + ": OpenSSL refused '" + text + "' (a name given twice?)");
  }
  detail::throw_value_error(std::string(what) + ": unknown name '" + unknown + "' in '" + text + "'");
}

// tls_group is one entry of a provider's TLS-GROUP capability.
struct tls_group {
  std::string name;
  unsigned int id = 0;
  unsigned int security_bits = 0;
  int min_tls = 0;
  int max_tls = 0;
};

int collect_group(const OSSL_PARAM params[], void* arg) noexcept {
  auto& groups = *static_cast<std::vector<tls_group>*>(arg);
  try {
    tls_group g;
    const char* name = nullptr;
    const OSSL_PARAM* p = ::OSSL_PARAM_locate_const(params, OSSL_CAPABILITY_TLS_GROUP_NAME);
    if (p == nullptr || ::OSSL_PARAM_get_utf8_string_ptr(p, &name) != 1) {
      return 1;  // not one we can name: skip it
    }
    g.name = name;
    p = ::OSSL_PARAM_locate_const(params, OSSL_CAPABILITY_TLS_GROUP_ID);
    if (p == nullptr || ::OSSL_PARAM_get_uint(p, &g.id) != 1) {
      return 1;
    }
    p = ::OSSL_PARAM_locate_const(params, OSSL_CAPABILITY_TLS_GROUP_SECURITY_BITS);
    if (p != nullptr) {
      ::OSSL_PARAM_get_uint(p, &g.security_bits);
    }
    p = ::OSSL_PARAM_locate_const(params, OSSL_CAPABILITY_TLS_GROUP_MIN_TLS);
    if (p != nullptr) {
      ::OSSL_PARAM_get_int(p, &g.min_tls);
    }
    p = ::OSSL_PARAM_locate_const(params, OSSL_CAPABILITY_TLS_GROUP_MAX_TLS);
    if (p != nullptr) {
      ::OSSL_PARAM_get_int(p, &g.max_tls);
    }
    groups.push_back(std::move(g));
    return 1;
  } catch (...) {
    return 0;  // out of memory: stop
  }
}

int collect_provider_groups(OSSL_PROVIDER* provider, void* arg) noexcept {
  ::OSSL_PROVIDER_get_capabilities(provider, "TLS-GROUP", &collect_group, arg);
  return 1;
}

// security_level_bits is the fewest bits of security OpenSSL's level asks
// for (SSL_CTX_set_security_level(3)).
unsigned int security_level_bits(int level) noexcept {
  static constexpr std::array<unsigned int, 6> bits{0, 80, 112, 128, 192, 256};
  return bits[static_cast<std::size_t>(std::clamp(level, 0, 5))];
}

// The TLS names of the signature schemes (RFC 8446 section 4.2.3 and the
// IANA registry) OpenSSL 3.0 can know. get_sigalgs keeps those this
// OpenSSL accepts; OpenSSL 3.4 lists them itself (SSL_get1_builtin_sigalgs).
constexpr std::array<const char*, 24> candidate_sigalgs{
    "ecdsa_secp256r1_sha256", "ecdsa_secp384r1_sha384", "ecdsa_secp521r1_sha512",
    "ed25519",                "ed448",                  "rsa_pss_pss_sha256",
    "rsa_pss_pss_sha384",     "rsa_pss_pss_sha512",     "rsa_pss_rsae_sha256",
    "rsa_pss_rsae_sha384",    "rsa_pss_rsae_sha512",    "rsa_pkcs1_sha256",
    "rsa_pkcs1_sha384",       "rsa_pkcs1_sha512",       "ecdsa_sha224",
    "rsa_pkcs1_sha224",       "dsa_sha224",             "dsa_sha256",
    "dsa_sha384",             "dsa_sha512",             "ecdsa_sha1",
    "rsa_pkcs1_sha1",         "dsa_sha1",               "ecdsa_brainpoolP256r1_sha256",
};

}  // namespace

// ---------------------------------------------------------------------------
// Groups

void Context::set_groups(std::string_view groups) {
  set_list(state().ctx.get(), groups, "set_groups",
           [](SSL_CTX* ctx, const char* list) { return static_cast<int>(::SSL_CTX_set1_groups_list(ctx, list)); });
}

std::vector<std::string> Context::get_groups(bool include_aliases) const {
  SSL_CTX* ctx = state().ctx.get();
  std::vector<tls_group> groups;
  // The providers loaded in the default library context, where sslpp
  // makes its SSL_CTXs (which has loaded the default provider).
  ::OSSL_PROVIDER_do_all(nullptr, &collect_provider_groups, &groups);
  const auto version_or = [](long v, int unbounded) { return v == 0 ? unbounded : static_cast<int>(v); };
  const int lowest = version_or(::SSL_CTX_get_min_proto_version(ctx), TLS1_VERSION);
  const int highest = version_or(::SSL_CTX_get_max_proto_version(ctx), TLS1_3_VERSION);
  const unsigned int bits = security_level_bits(::SSL_CTX_get_security_level(ctx));
  std::vector<std::string> out;
  std::set<unsigned int> seen;
  for (const tls_group& g : groups) {
    // min_tls -1: not for TLS at all; max_tls 0: no upper bound.
    const bool in_range = g.min_tls >= 0 && g.min_tls <= highest && (g.max_tls == 0 || g.max_tls >= lowest);
    if (!in_range || g.security_bits < bits) {
      continue;
    }
    // Aliases ("P-256" for "secp256r1") share their group's id.
    if (seen.insert(g.id).second || include_aliases) {
      out.push_back(g.name);
    }
  }
  return out;
}

void Context::set_ecdh_curve(std::string_view curve_name) {
  // One named group, looked up as Python does: not OpenSSL's group-list
  // syntax, whose "DEFAULT" or "?name" would mean something else.
  const std::string name(curve_name);
  int nid = ::OBJ_sn2nid(name.c_str());
  if (nid == NID_undef) {
    nid = ::EC_curve_nist2nid(name.c_str());
  }
  detail::clear_stale_errors();
  if (nid == NID_undef || ::SSL_CTX_set1_groups(state().ctx.get(), &nid, 1) != 1) {
    ::ERR_clear_error();
    detail::throw_value_error("unknown elliptic curve name '" + name + "'");
  }
}

// ---------------------------------------------------------------------------
// Finite-field Diffie-Hellman

void Context::load_tmp_dh(const std::filesystem::path& dhfile) {
  const std::string data = detail::read_file(dhfile);
  detail::clear_stale_errors();
  auto bio = detail::memory_bio(data);
  detail::unique_handle<EVP_PKEY> params(::PEM_read_bio_Parameters(bio.get(), nullptr));
  if (!params || ::EVP_PKEY_is_a(params.get(), "DH") != 1) {
    if (params) {
      ERR_raise_data(ERR_LIB_EVP, EVP_R_EXPECTING_A_DH_KEY, "the file holds other parameters");
    }
    detail::throw_openssl_error("load_tmp_dh");
  }
  // set0: on success the context owns the parameters.
  check(::SSL_CTX_set0_tmp_dh_pkey(state().ctx.get(), params.get()), "load_tmp_dh");
  params.release();
}

bool Context::dh_auto() const { return state().dh_auto; }

void Context::set_dh_auto(bool on) {
  check(static_cast<int>(::SSL_CTX_set_dh_auto(state().ctx.get(), on ? 1 : 0)), "SSL_CTX_set_dh_auto");
  state().dh_auto = on;
}

// ---------------------------------------------------------------------------
// Signature algorithms

void Context::set_client_sigalgs(std::string_view sigalgs) {
  set_list(state().ctx.get(), sigalgs, "set_client_sigalgs", [](SSL_CTX* ctx, const char* list) {
    return static_cast<int>(::SSL_CTX_set1_client_sigalgs_list(ctx, list));
  });
}

void Context::set_server_sigalgs(std::string_view sigalgs) {
  set_list(state().ctx.get(), sigalgs, "set_server_sigalgs",
           [](SSL_CTX* ctx, const char* list) { return static_cast<int>(::SSL_CTX_set1_sigalgs_list(ctx, list)); });
}

std::vector<std::string> get_sigalgs() {
  const detail::unique_handle<SSL_CTX> scratch = scratch_context();
  std::vector<std::string> out;
  detail::clear_stale_errors();
  for (const char* name : candidate_sigalgs) {
    if (::SSL_CTX_set1_sigalgs_list(scratch.get(), name) == 1) {
      out.emplace_back(name);
    }
  }
  ::ERR_clear_error();
  return out;
}

}  // namespace sslpp
