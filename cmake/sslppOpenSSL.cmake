# Finds OpenSSL 3 (OpenSSL::SSL, OpenSSL::Crypto) for sslpp's own build and
# for the installed package. On failure it sets sslpp_dependency_error to
# what to do, for its caller to report.
if(NOT TARGET OpenSSL::SSL)
  find_package(OpenSSL 3.0 QUIET)
  if(NOT OPENSSL_FOUND OR NOT TARGET OpenSSL::SSL OR NOT TARGET OpenSSL::Crypto)
    set(sslpp_found_openssl "none")
    if(OPENSSL_VERSION)
      set(sslpp_found_openssl "${OPENSSL_VERSION}")
    endif()
    string(CONCAT sslpp_dependency_error
      "sslpp needs OpenSSL 3.0 or later with its headers (found: ${sslpp_found_openssl}). "
      "On Debian or Ubuntu: apt-get install libssl-dev; on Fedora: dnf install openssl-devel. "
      "Or point CMake at another installation with -DOPENSSL_ROOT_DIR=DIR.")
  endif()
endif()
