#include <sslpp/certificate.hpp>
#include <gtest/gtest.h>
