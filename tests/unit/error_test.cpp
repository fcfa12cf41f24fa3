#include <sslpp/error.hpp>
#include <gtest/gtest.h>
