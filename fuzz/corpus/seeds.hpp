// The seed corpus generator's pieces: one function per group of targets,
// each returning named inputs. Names starting with "ok_" mark recorded
// exchanges that must replay to the end (see support/replay_main.cpp).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace sslpp_fuzz::corpus {

struct seed {
  std::string name;
  std::string bytes;
};
using seeds = std::vector<seed>;

/// bytes builds an input from small integers and strings.
class bytes {
 public:
  bytes& b(int v) {
    out_.push_back(static_cast<char>(v));
    return *this;
  }
  bytes& u16(int v) { return b(v >> 8).b(v & 0xff); }
  bytes& s(std::string_view v) {
    out_ += v;
    return *this;
  }
  /// text is a length-prefixed string (input::text()).
  bytes& text(std::string_view v) { return b(static_cast<int>(v.size())).s(v); }
  [[nodiscard]] std::string str() const { return out_; }

 private:
  std::string out_;
};

seeds client_handshake_seeds();
seeds server_handshake_seeds();
seeds records_seeds();
seeds certificate_seeds(const std::string& limbo_json);
seeds credentials_seeds();
seeds match_hostname_seeds();
seeds cert_time_seeds();
seeds api_sequence_seeds();
seeds dtls_seeds();

}  // namespace sslpp_fuzz::corpus
