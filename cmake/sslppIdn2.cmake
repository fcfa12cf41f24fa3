# Finds libidn2 (internationalised host names to A-labels) as the imported
# target sslpp::idn2. Used by sslpp's own build and, for a static libsslpp,
# by the installed package, whose consumers link it too. On failure it sets
# sslpp_dependency_error to what to do, for its caller to report.
if(NOT TARGET sslpp::idn2)
  find_path(SSLPP_IDN2_INCLUDE_DIR idn2.h)
  find_library(SSLPP_IDN2_LIBRARY idn2)
  if(SSLPP_IDN2_INCLUDE_DIR AND SSLPP_IDN2_LIBRARY)
    add_library(sslpp::idn2 UNKNOWN IMPORTED)
    set_target_properties(sslpp::idn2 PROPERTIES
      IMPORTED_LOCATION "${SSLPP_IDN2_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${SSLPP_IDN2_INCLUDE_DIR}")
  else()
    string(CONCAT sslpp_dependency_error
      "sslpp needs libidn2 and its header idn2.h (it turns internationalised host names into their "
      "A-labels). On Debian or Ubuntu: apt-get install libidn2-dev; on Fedora: dnf install libidn2-devel. "
      "Or set SSLPP_IDN2_INCLUDE_DIR and SSLPP_IDN2_LIBRARY.")
  endif()
endif()
