// A network of the test's own: a thread in a new network namespace, whose
// only interface is a loopback with the MTU the test asks for. Sockets
// made on that thread, or on threads it starts, live in that namespace for
// their whole life (whichever thread uses them later), so a test can give
// the kernel a narrower path than 127.0.0.1's 64 KiB without touching the
// machine's own network. Needs CAP_SYS_ADMIN (root, as CI runs).
#pragma once

#include <functional>

namespace sslpp::test {

// in_narrow_loopback runs `fn` on a thread of its own in a new network
// namespace whose loopback is up with an MTU of `mtu` bytes, and rethrows
// what `fn` throws. A namespace the kernel refuses fails the test (ADD_FAILURE)
// and `fn` does not run.
void in_narrow_loopback(int mtu, const std::function<void()>& fn);

}  // namespace sslpp::test
