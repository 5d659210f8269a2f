# The Windows build's dependencies (included by the root CMakeLists.txt on WIN32), as the same
# targets the Linux build finds: the static libraries of packaging/windows/build-deps.sh's prefix
# and Debian's header-only libraries through PREFIX/headers (the toolchain file points every
# find_* at the prefix). No ICU (text_windows.cpp uses Windows' own APIs), no server libraries.
set(fieldcheck_deps "${FIELDCHECK_WINDOWS_DEPS_PREFIX}")
if(NOT EXISTS "${fieldcheck_deps}/headers/boost/version.hpp")
  message(FATAL_ERROR "${fieldcheck_deps} is not a prefix of packaging/windows/build-deps.sh (no headers/boost)")
endif()

find_package(Threads REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(SQLiteCpp REQUIRED)
find_package(zstd REQUIRED)
find_package(ZLIB REQUIRED)
# FindOpenSSL adds ws2_32 and crypt32 to the static libraries' targets.
set(OPENSSL_USE_STATIC_LIBS TRUE)
find_package(OpenSSL 3 REQUIRED)

# libsodium's headers declare its functions dllimport unless SODIUM_STATIC says otherwise.
add_library(PkgConfig::SODIUM STATIC IMPORTED)
set_target_properties(PkgConfig::SODIUM PROPERTIES
  IMPORTED_LOCATION "${fieldcheck_deps}/lib/libsodium.a"
  INTERFACE_INCLUDE_DIRECTORIES "${fieldcheck_deps}/include"
  INTERFACE_COMPILE_DEFINITIONS SODIUM_STATIC=1)

# The header-only libraries: one folder of symlinks to Debian's headers, never all of /usr/include.
add_library(fieldcheck_windows_headers INTERFACE IMPORTED)
set_target_properties(fieldcheck_windows_headers PROPERTIES
  INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${fieldcheck_deps}/headers"
  INTERFACE_INCLUDE_DIRECTORIES "${fieldcheck_deps}/headers")
foreach(target nlohmann_json::nlohmann_json cereal::cereal CLI11::CLI11 Catch2::Catch2)
  add_library(${target} INTERFACE IMPORTED)
  set_target_properties(${target} PROPERTIES INTERFACE_LINK_LIBRARIES fieldcheck_windows_headers)
endforeach()
# Boost.System is header-only since Boost 1.69; Asio on Windows needs Winsock and its extensions.
# BOOST_SYSTEM_USE_UTF8: system error messages in UTF-8, not the ANSI code page (they reach --json).
add_library(Boost::system INTERFACE IMPORTED)
set_target_properties(Boost::system PROPERTIES
  INTERFACE_LINK_LIBRARIES "fieldcheck_windows_headers;ws2_32;mswsock"
  INTERFACE_COMPILE_DEFINITIONS "BOOST_ALL_NO_LIB;BOOST_SYSTEM_USE_UTF8")

# Catch2's CMake helpers (catch_discover_tests) are build-machine scripts: Debian's own.
list(APPEND CMAKE_MODULE_PATH /usr/lib/cmake/Catch2)
