// Connection introspection and control (pyOpenSSL): see connection.hpp.
#include <sslpp/connection.hpp>
