// The soak's report: one JSON line (for scripts and docs/security.md) and
// the same figures as text.
#pragma once

#include <iosfwd>
#include <optional>

#include <nlohmann/json.hpp>

#include "concurrent.hpp"
#include "handshakes.hpp"
#include "idle.hpp"

namespace sslpp::soak {

nlohmann::json to_json(const ConcurrentReport& r);
nlohmann::json to_json(const HandshakeReport& r);
nlohmann::json to_json(const IdleReport& r);

void print_text(std::ostream& out, const ConcurrentReport& r);
void print_text(std::ostream& out, const HandshakeReport& r);
void print_text(std::ostream& out, const IdleReport& r);

}  // namespace sslpp::soak
