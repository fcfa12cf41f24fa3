#include <sslpp/context.hpp>
#include <gtest/gtest.h>
