# cmake --install: the headers, the library, the CMake package
# (sslppConfig.cmake, sslppConfigVersion.cmake, the sslpp::sslpp export) and
# sslpp.pc for pkg-config. Included by the top-level CMakeLists.txt after
# src/ defines the sslpp target.
include(CMakePackageConfigHelpers)

set(SSLPP_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/sslpp")

install(TARGETS sslpp EXPORT sslppTargets
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" NAMELINK_COMPONENT sslpp_development
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/sslpp" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
  FILES_MATCHING PATTERN "*.hpp")
install(EXPORT sslppTargets NAMESPACE sslpp:: DESTINATION "${SSLPP_CMAKE_DIR}")

if(BUILD_SHARED_LIBS)
  set(SSLPP_PACKAGE_SHARED ON)
else()
  set(SSLPP_PACKAGE_SHARED OFF)
endif()
configure_package_config_file(cmake/sslppConfig.cmake.in "${PROJECT_BINARY_DIR}/sslppConfig.cmake"
  INSTALL_DESTINATION "${SSLPP_CMAKE_DIR}")
# Before 1.0 a minor version may break the API, so only the same minor
# version is compatible; from 1.0 on, the same major version.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(sslpp_compatibility SameMinorVersion)
else()
  set(sslpp_compatibility SameMajorVersion)
endif()
write_basic_package_version_file("${PROJECT_BINARY_DIR}/sslppConfigVersion.cmake"
  COMPATIBILITY ${sslpp_compatibility})
install(FILES "${PROJECT_BINARY_DIR}/sslppConfig.cmake" "${PROJECT_BINARY_DIR}/sslppConfigVersion.cmake"
  cmake/sslppOpenSSL.cmake cmake/sslppIdn2.cmake
  DESTINATION "${SSLPP_CMAKE_DIR}")

# sslpp.pc finds its prefix from its own place (${pcfiledir}), so the
# package still works when `cmake --install --prefix` moves it.
file(RELATIVE_PATH SSLPP_PC_TO_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
string(REGEX REPLACE "/$" "" SSLPP_PC_TO_PREFIX "${SSLPP_PC_TO_PREFIX}")
# A static libsslpp leaves libidn2 to the consumer's link line.
if(BUILD_SHARED_LIBS)
  set(SSLPP_PC_REQUIRES "")
  set(SSLPP_PC_REQUIRES_PRIVATE " libidn2")
else()
  set(SSLPP_PC_REQUIRES ", libidn2")
  set(SSLPP_PC_REQUIRES_PRIVATE "")
endif()
configure_file(cmake/sslpp.pc.in "${PROJECT_BINARY_DIR}/sslpp.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/sslpp.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
