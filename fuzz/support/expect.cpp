#include "expect.hpp"

namespace sslpp_fuzz {
namespace {
bool reached = false;
}

void reached_end() noexcept { reached = true; }

bool take_reached_end() noexcept {
  const bool r = reached;
  reached = false;
  return r;
}

}  // namespace sslpp_fuzz
