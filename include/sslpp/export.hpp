/// \file
/// What every public header needs first: the C++20 check and SSLPP_API.
#pragma once

// sslpp's headers use concepts, std::span and designated initialisers. A
// pre-C++20 compiler would otherwise fail deep inside them ("'concept' does
// not name a type"), far from the cause.
#if __cplusplus < 202002L
#error "sslpp needs C++20: compile with -std=c++20 (with CMake, link the sslpp::sslpp target, which adds it)"
#endif

/// SSLPP_API marks the symbols sslpp exports when built as a shared library;
/// everything else is compiled with -fvisibility=hidden.
#if defined(__GNUC__)
#define SSLPP_API __attribute__((visibility("default")))
#else
#define SSLPP_API
#endif
