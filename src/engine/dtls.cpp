// A DTLS connection's own calls (dtls.hpp): the retransmission timer, the
// stateless cookie exchange, the peer's address, the MTU and DTLS-SRTP. The
// rest of DTLS is the engine's ordinary path over the memory transport in
// datagram mode (datagram_transport.cpp).
#include <sslpp/connection.hpp>
#include <sslpp/dtls.hpp>

#include <openssl/srtp.h>
#include <openssl/ssl.h>

#include "drivers/socket_address.hpp"
#include "engine/engine.hpp"
#include "internal/handle.hpp"

namespace sslpp {

namespace {

constexpr std::size_t max_mtu = 65535;
constexpr std::size_t min_mtu = 256;  // OpenSSL's smallest (dtls1_min_mtu, with no headers to subtract)

bool datagrams(const detail::engine& e) noexcept { return e.memory && e.memory->datagrams(); }

void require_dtls(const detail::engine& e, const char* call) {
  if (!datagrams(e)) {
    detail::throw_value_error(std::string(call) + ": this is a TLS connection; DTLS needs a context made with " +
                              "DTLS_METHOD, DTLS_CLIENT_METHOD or DTLS_SERVER_METHOD");
  }
}

// srtp_lengths are the master key and salt lengths of an SRTP profile, by
// its id: RFC 5764 4.1.2 and RFC 7714 14.2.
struct srtp_lengths {
  unsigned long id;
  std::size_t key;
  std::size_t salt;
};
constexpr srtp_lengths srtp_profiles[] = {
    // The NULL profiles take AES-128's lengths, as RFC 5764 4.1.2 says and
    // libsrtp does, though they encrypt nothing.
    {SRTP_AES128_CM_SHA1_80, 16, 14}, {SRTP_AES128_CM_SHA1_32, 16, 14}, {SRTP_NULL_SHA1_80, 16, 14},
    {SRTP_NULL_SHA1_32, 16, 14},      {SRTP_AEAD_AES_128_GCM, 16, 12},  {SRTP_AEAD_AES_256_GCM, 32, 12},
};

SecureBytes slice(const SecureBytes& from, std::size_t offset, std::size_t n) {
  SecureBytes out(n);
  std::copy_n(from.begin() + static_cast<std::ptrdiff_t>(offset), n, out.begin());
  return out;
}

}  // namespace

io_result detail::engine::write_datagram(std::span<const std::byte> data, std::error_code& ec) noexcept {
  // OpenSSL would make a record larger than the path takes, which the
  // network then fragments or drops: say so instead. Beyond a record's
  // limit, OpenSSL would fail the whole connection.
  if (data.size() > SSL3_RT_MAX_PLAIN_LENGTH) {
    return refuse("write: a DTLS record holds at most 16384 bytes (and one datagram get_cleartext_mtu)", ec);
  }
  if (::SSL_is_init_finished(ssl.get()) == 1) {
    const std::size_t room = ::DTLS_get_data_mtu(ssl.get());
    if (room != 0 && data.size() > room) {
      try {
        return refuse("write: " + std::to_string(data.size()) + " bytes do not fit in one datagram; at most " +
                          std::to_string(room) + " do (get_cleartext_mtu) under a ciphertext MTU of " +
                          std::to_string(memory->mtu) + ": write less at a time, or raise set_ciphertext_mtu",
                      ec);
      } catch (...) {
        return refuse("write: too large for one datagram (get_cleartext_mtu)", ec);
      }
    }
  }
  return write_direct(data, ec);
}

std::optional<std::chrono::nanoseconds> Connection::dtls_timeout() const noexcept {
  if (!datagrams(*impl_)) {
    return std::nullopt;
  }
  timeval left{};
  if (DTLSv1_get_timeout(impl_->ssl.get(), &left) != 1) {
    return std::nullopt;
  }
  return std::chrono::seconds(left.tv_sec) + std::chrono::microseconds(left.tv_usec);
}

bool Connection::handle_dtls_timeout(std::error_code& ec) noexcept {
  detail::engine& e = *impl_;
  if (!datagrams(e)) {
    e.refuse("handle_dtls_timeout: this is a TLS connection (TCP retransmits for it)", ec);
    return false;
  }
  bool fired = false;
  const io_result r = e.perform(ec, [&fired](SSL* s, std::size_t*) {
    const int ret = static_cast<int>(DTLSv1_handle_timeout(s));
    fired = ret > 0;
    return ret < 0 ? ret : 1;
  });
  return r.ok() && fired;
}

bool Connection::handle_dtls_timeout() {
  std::error_code ec;
  const bool fired = handle_dtls_timeout(ec);
  if (ec) {
    throw_error(impl_->error);
  }
  return fired;
}

io_result Connection::dtls_listen(std::error_code& ec) noexcept {
  detail::engine& e = *impl_;
  if (!datagrams(e)) {
    return e.refuse("dtls_listen: this is a TLS connection; DTLSv1_listen is for DTLS servers", ec);
  }
  if (e.failed()) {
    return e.report_failure(ec);
  }
  if (::SSL_in_before(e.ssl.get()) != 1) {
    return e.refuse("dtls_listen: this connection has begun a handshake; listen on a fresh one (DTLSServer keeps one "
                    "listener and replaces it once a cookie verifies)",
                    ec);
  }
  const std::shared_ptr<const detail::handshake_hooks> hooks = e.context->hooks();
  if (!hooks->cookie_generate != !hooks->cookie_verify) {
    return e.refuse(
        "dtls_listen: set both cookie callbacks or neither; the default cannot verify a cookie a callback made, "
        "nor a callback one the default made",
        ec);
  }
  if (!hooks->cookie_generate) {
    // The default cookie binds the address set for the datagram: with more
    // than one queued, OpenSSL would check them all against that one.
    if (e.memory->peer_len == 0) {
      return e.refuse(
          "dtls_listen: set_peer_address first; the default cookie is bound to the client's address, and one bound "
          "to nothing could be replayed from any forged address",
          ec);
    }
    if (e.memory->queued_input_datagrams() > 1) {
      return e.refuse(
          "dtls_listen: feed one datagram per call (set_peer_address, bio_write, dtls_listen): the default cookie "
          "is checked against the one address set",
          ec);
    }
  }
  // OpenSSL writes the client's address here; ours is already known.
  detail::unique_handle<BIO_ADDR> client(::BIO_ADDR_new());
  if (!client) {
    return e.refuse("dtls_listen: out of memory", ec);
  }
  e.accept_state = true;
  // Listening clears the SSL (SSL_clear) for each new client: the
  // context's policy is applied again for the handshake that may follow.
  e.gate |= detail::engine::gate_policy;
  bool verified = false;
  io_result r = e.perform(ec, [&](SSL* s, std::size_t*) {
    const int ret = ::DTLSv1_listen(s, client.get());
    verified = ret > 0;
    return ret < 0 ? ret : 1;  // 0: no valid cookie yet, which is not a failure
  });
  if (r.ok() && !verified) {
    r.status = io_status::want_read;
  }
  return r;
}

bool Connection::dtls_listen() {
  std::error_code ec;
  const io_result r = dtls_listen(ec);
  if (r.status == io_status::error) {
    throw_error(impl_->error);
  }
  return r.ok();
}

void Connection::set_peer_address(const Address& peer) {
  require_dtls(*impl_, "set_peer_address");
  sockaddr_storage raw{};
  const socklen_t len = detail::to_sockaddr(peer, raw);
  impl_->memory->set_peer(reinterpret_cast<const sockaddr*>(&raw), len);
}

std::optional<Address> Connection::peer_address() const {
  if (!datagrams(*impl_) || impl_->memory->peer_len == 0) {
    return std::nullopt;
  }
  return detail::to_address(reinterpret_cast<const sockaddr*>(&impl_->memory->peer));
}

void Connection::set_ciphertext_mtu(std::size_t mtu) {
  require_dtls(*impl_, "set_ciphertext_mtu");
  if (mtu < min_mtu || mtu > max_mtu) {
    detail::throw_value_error("set_ciphertext_mtu: " + std::to_string(mtu) + " is out of range: DTLS needs " +
                              std::to_string(min_mtu) + " to " + std::to_string(max_mtu) + " bytes per datagram");
  }
  SSL* s = impl_->ssl.get();
  // Told, not guessed: OpenSSL must not ask the transport again (and, after
  // lost flights, fall back to a smaller guess of its own).
  ::SSL_set_options(s, SSL_OP_NO_QUERY_MTU);
  if (::SSL_set_mtu(s, static_cast<long>(mtu)) <= 0) {
    detail::throw_value_error("set_ciphertext_mtu: OpenSSL refused an MTU of " + std::to_string(mtu));
  }
  impl_->memory->mtu = mtu;
}

std::size_t Connection::get_cleartext_mtu() const noexcept {
  return datagrams(*impl_) ? ::DTLS_get_data_mtu(impl_->ssl.get()) : 0;
}

std::optional<std::string> Connection::selected_srtp_profile() const {
  const SRTP_PROTECTION_PROFILE* profile = ::SSL_get_selected_srtp_profile(impl_->ssl.get());
  if (profile == nullptr || profile->name == nullptr) {
    return std::nullopt;
  }
  return std::string(profile->name);
}

SrtpKeys Connection::srtp_keys() const {
  const SRTP_PROTECTION_PROFILE* profile = ::SSL_get_selected_srtp_profile(impl_->ssl.get());
  if (::SSL_is_init_finished(impl_->ssl.get()) != 1) {
    throw ValueError("srtp_keys: handshake not done yet", make_error_code(errc::handshake_required));
  }
  if (profile == nullptr) {
    detail::throw_value_error("srtp_keys: no SRTP profile was agreed (Context::set_srtp_profiles at both ends)");
  }
  for (const srtp_lengths& p : srtp_profiles) {
    if (p.id == profile->id) {
      // RFC 5764 4.2: client key | server key | client salt | server salt.
      const SecureBytes material = export_keying_material("EXTRACTOR-dtls_srtp", 2 * (p.key + p.salt));
      SrtpKeys keys;
      keys.profile = profile->name;
      keys.client_key = slice(material, 0, p.key);
      keys.server_key = slice(material, p.key, p.key);
      keys.client_salt = slice(material, 2 * p.key, p.salt);
      keys.server_salt = slice(material, 2 * p.key + p.salt, p.salt);
      return keys;
    }
  }
  throw_error(error_info(errc::not_supported,
                         std::string("srtp_keys: no key lengths known for profile ") + profile->name));
}

// ---------------------------------------------------------------------------
// pyOpenSSL's spellings (compat.hpp)

std::optional<double>(compat::ConnectionNames::DTLSv1_get_timeout)() const noexcept {
  const std::optional<std::chrono::nanoseconds> left = self().dtls_timeout();
  if (!left) {
    return std::nullopt;
  }
  return std::chrono::duration<double>(*left).count();
}

bool(compat::ConnectionNames::DTLSv1_handle_timeout)() { return self().handle_dtls_timeout(); }

void compat::ConnectionNames::DTLSv1_listen() {
  if (!self().dtls_listen()) {
    throw_error(error_info(io_status::want_read));
  }
}

std::string compat::ConnectionNames::get_selected_srtp_profile() const {
  return self().selected_srtp_profile().value_or(std::string());
}

}  // namespace sslpp
