// sslpp serve reloading its certificate (filled in below).
#include "cli/cli_support.hpp"
