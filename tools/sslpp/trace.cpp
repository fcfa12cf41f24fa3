#include "trace.hpp"

#include <array>
#include <ostream>
#include <string>
#include <string_view>

#include <openssl/ssl.h>

namespace sslpp::cli {

namespace {

std::string_view version_name(int version) {
  switch (version) {
    case TLS1_VERSION: return "TLS 1.0";
    case TLS1_1_VERSION: return "TLS 1.1";
    case TLS1_2_VERSION: return "TLS 1.2";
    case TLS1_3_VERSION: return "TLS 1.3";
    default: return "TLS";
  }
}

// handshake_name is the handshake message type's name in RFC 8446's spelling.
std::string handshake_name(unsigned char type) {
  switch (type) {
    case 0: return "HelloRequest";
    case 1: return "ClientHello";
    case 2: return "ServerHello";
    case 4: return "NewSessionTicket";
    case 5: return "EndOfEarlyData";
    case 8: return "EncryptedExtensions";
    case 11: return "Certificate";
    case 12: return "ServerKeyExchange";
    case 13: return "CertificateRequest";
    case 14: return "ServerHelloDone";
    case 15: return "CertificateVerify";
    case 16: return "ClientKeyExchange";
    case 20: return "Finished";
    case 22: return "CertificateStatus";
    case 24: return "KeyUpdate";
    case 254: return "MessageHash";
    default: return "unknown type " + std::to_string(type);
  }
}

// message_line describes one message, or is empty for what is not traced
// (record headers, TLS 1.3's inner content type).
std::string message_line(int write_p, int version, int content_type, const unsigned char* buf, std::size_t len) {
  std::string body;
  switch (content_type) {
    case SSL3_RT_HANDSHAKE:
      if (len < 1) {
        return {};
      }
      body = "Handshake " + handshake_name(buf[0]) + " (" + std::to_string(len) + " bytes)";
      break;
    case SSL3_RT_ALERT:
      if (len < 2) {
        return {};
      }
      body = std::string("Alert ") + (buf[0] == SSL3_AL_FATAL ? "fatal" : "warning") + " " +
             ::SSL_alert_desc_string_long(buf[1]);
      break;
    case SSL3_RT_CHANGE_CIPHER_SPEC:
      body = "ChangeCipherSpec";
      break;
    default:
      return {};
  }
  return std::string(write_p != 0 ? ">>> " : "<<< ") + std::string(version_name(version)) + " " + body;
}

void on_message(int write_p, int version, int content_type, const void* buf, std::size_t len, SSL* /*ssl*/,
                void* arg) noexcept {
  try {
    const std::string line = message_line(write_p, version, content_type, static_cast<const unsigned char*>(buf), len);
    if (!line.empty()) {
      *static_cast<std::ostream*>(arg) << line << "\n" << std::flush;
    }
  } catch (...) {
    // A trace line lost (out of memory) must not fail the handshake.
  }
}

}  // namespace

void trace_messages(const Context& ctx, std::ostream& out) {
  ::SSL_CTX_set_msg_callback(ctx.native_handle(), on_message);
  ::SSL_CTX_set_msg_callback_arg(ctx.native_handle(), &out);
}

}  // namespace sslpp::cli
