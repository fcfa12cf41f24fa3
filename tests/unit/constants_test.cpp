#include <sslpp/constants.hpp>
#include <gtest/gtest.h>
