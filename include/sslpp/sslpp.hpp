// sslpp: TLS for C++ over OpenSSL 3, with the API of Python's ssl module and
// pyOpenSSL's OpenSSL.SSL. This umbrella header includes the whole public API.
#pragma once

#include <sslpp/cert_store.hpp>
#include <sslpp/cert_time.hpp>
#include <sslpp/certificate.hpp>
#include <sslpp/certificate_authority.hpp>
#include <sslpp/compat.hpp>
#include <sslpp/connection.hpp>
#include <sslpp/constants.hpp>
#include <sslpp/context.hpp>
#include <sslpp/error.hpp>
#include <sslpp/hostname.hpp>
#include <sslpp/keys.hpp>
#include <sslpp/name.hpp>
#include <sslpp/rand.hpp>
#include <sslpp/secure_bytes.hpp>
#include <sslpp/session.hpp>
#include <sslpp/socket.hpp>
#include <sslpp/ssl_socket.hpp>
#include <sslpp/status.hpp>
#include <sslpp/version.hpp>
#include <sslpp/windows_store.hpp>
