/// \file
/// sslpp: TLS for C++ over OpenSSL 3, with the API of Python's ssl module and
/// pyOpenSSL's OpenSSL.SSL. This umbrella header includes the whole public API.
#pragma once

#include <sslpp/cert_store.hpp>
#include <sslpp/cert_time.hpp>
#include <sslpp/certificate.hpp>
#include <sslpp/certificate_authority.hpp>
#include <sslpp/compat.hpp>
#include <sslpp/connection.hpp>
#include <sslpp/constants.hpp>
#include <sslpp/context.hpp>
#include <sslpp/credential_reload.hpp>
#include <sslpp/dtls.hpp>
#include <sslpp/dtls_socket.hpp>
#include <sslpp/early_data.hpp>
#include <sslpp/error.hpp>
#include <sslpp/hostname.hpp>
#include <sslpp/keys.hpp>
#include <sslpp/name.hpp>
#include <sslpp/ocsp.hpp>
#include <sslpp/psk.hpp>
#include <sslpp/rand.hpp>
#include <sslpp/secure_bytes.hpp>
#include <sslpp/session.hpp>
#include <sslpp/socket.hpp>
#include <sslpp/ssl_socket.hpp>
#include <sslpp/status.hpp>
#include <sslpp/verify_failure.hpp>
#include <sslpp/version.hpp>
#include <sslpp/windows_store.hpp>

/// \mainpage sslpp API reference
///
/// sslpp gives C++20 the API of Python's `ssl` module and pyOpenSSL's
/// `OpenSSL.SSL` over OpenSSL 3: one sslpp::Context, one sslpp::Connection
/// (sans-IO over memory buffers; sslpp::SSLSocket drives the same core over a
/// socket), Python's exception types, and secure defaults. This reference is
/// generated from the headers in `include/sslpp`; `#include <sslpp/sslpp.hpp>`
/// brings in all of it.
///
/// Where to start:
/// - a verified client in one call: sslpp::connect, with a context from
///   sslpp::create_default_context;
/// - a server: sslpp::Context (sslpp::PROTOCOL_TLS_SERVER),
///   sslpp::Context::load_cert_chain, sslpp::Context::wrap_socket;
/// - your own event loop: sslpp::Context::wrap_bio and sslpp::Connection, whose
///   exception-free calls return an sslpp::io_result (status.hpp);
/// - what went wrong: error.hpp (sslpp::errc, sslpp::ErrorInfo and the
///   exception classes).
///
/// `docs/guide.md` in the source tree walks through these, and through the
/// common errors and what to do about them; `docs/architecture.md` maps the
/// code.

/// \namespace sslpp
/// sslpp is the whole public API. The names are Python's and pyOpenSSL's
/// (docs/seed-map.md pairs each with its C++ spelling); sslpp::compat holds
/// their second spellings.
