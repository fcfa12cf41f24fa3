// SSLPP_API marks the symbols sslpp exports when built as a shared library;
// everything else is compiled with -fvisibility=hidden.
#pragma once

#if defined(__GNUC__)
#define SSLPP_API __attribute__((visibility("default")))
#else
#define SSLPP_API
#endif
