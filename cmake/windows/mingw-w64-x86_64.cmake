# Cross-compiling Fieldcheck's Windows client (64-bit) with Debian's MinGW-w64, posix thread model
# (std::thread, std::mutex). The libraries come from packaging/windows/build-deps.sh's prefix,
# FIELDCHECK_WINDOWS_DEPS_PREFIX (from the environment on the first configure, then cached);
# packaging/windows/build.sh sets it. Programs link statically: one .exe, no MinGW DLL beside it.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_VERSION 10.0)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(FIELDCHECK_MINGW_TRIPLE x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${FIELDCHECK_MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${FIELDCHECK_MINGW_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER ${FIELDCHECK_MINGW_TRIPLE}-windres)
find_program(CMAKE_AR ${FIELDCHECK_MINGW_TRIPLE}-ar REQUIRED)
find_program(CMAKE_RANLIB ${FIELDCHECK_MINGW_TRIPLE}-ranlib REQUIRED)

if(NOT FIELDCHECK_WINDOWS_DEPS_PREFIX AND DEFINED ENV{FIELDCHECK_WINDOWS_DEPS_PREFIX})
  set(FIELDCHECK_WINDOWS_DEPS_PREFIX "$ENV{FIELDCHECK_WINDOWS_DEPS_PREFIX}" CACHE PATH
      "Prefix of the Windows libraries (packaging/windows/build-deps.sh prints it)")
endif()
if(NOT FIELDCHECK_WINDOWS_DEPS_PREFIX)
  message(FATAL_ERROR "FIELDCHECK_WINDOWS_DEPS_PREFIX is not set: run packaging/windows/build.sh, "
          "or export FIELDCHECK_WINDOWS_DEPS_PREFIX=\"$(packaging/windows/build-deps.sh | tail -n 1)\"")
endif()
# try_compile projects see the same prefix.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES FIELDCHECK_WINDOWS_DEPS_PREFIX)

# Libraries, headers and CMake packages from the prefix (and MinGW's own), programs from the host.
set(CMAKE_FIND_ROOT_PATH "${FIELDCHECK_WINDOWS_DEPS_PREFIX}" /usr/${FIELDCHECK_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# pkg-config reads the prefix's .pc files only, never the build machine's.
set(ENV{PKG_CONFIG_LIBDIR} "${FIELDCHECK_WINDOWS_DEPS_PREFIX}/lib/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# Windows 10 and later: the APIs the client uses (normalisation, long paths, UTF-8 console).
set(CMAKE_C_FLAGS_INIT "-D_WIN32_WINNT=0x0A00 -DWINVER=0x0A00")
set(CMAKE_CXX_FLAGS_INIT "-D_WIN32_WINNT=0x0A00 -DWINVER=0x0A00")
# Static: libgcc, libstdc++ and winpthread inside the .exe. Release programs are stripped.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
set(CMAKE_EXE_LINKER_FLAGS_RELEASE_INIT "-s")
set(CMAKE_EXE_LINKER_FLAGS_MINSIZEREL_INIT "-s")

# Windows programs built here (tests, try_run, Catch's test discovery) run under Wine, their
# output with LF line ends (wine-run.sh --lf).
get_filename_component(FIELDCHECK_SOURCE_ROOT "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)
set(CMAKE_CROSSCOMPILING_EMULATOR "${FIELDCHECK_SOURCE_ROOT}/packaging/windows/wine-run.sh;--lf")
