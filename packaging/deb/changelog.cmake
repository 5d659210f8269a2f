# Each Debian package's /usr/share/doc/PACKAGE/changelog.Debian.gz, written by CPack once it has
# staged the packages' files (CPACK_PRE_BUILD_SCRIPTS, set in cmake/Packaging.cmake), so that its
# top entry is the version being built: `cpack -D CPACK_DEBIAN_PACKAGE_RELEASE=2` makes an entry
# for 0.1.0-2. Its date is SOURCE_DATE_EPOCH's, else the sources' last commit's, else now; compressed
# with `gzip -9n` (no name, no time in the file): the same sources give the same bytes.
if(NOT CPACK_GENERATOR STREQUAL "DEB")
  return()
endif()

# The Version field as CPack's DEB generator makes it (CPackDeb.cmake): [EPOCH:]VERSION[-RELEASE].
set(FIELDCHECK_UPSTREAM_VERSION "${CPACK_DEBIAN_PACKAGE_VERSION}")
if(NOT FIELDCHECK_UPSTREAM_VERSION)
  set(FIELDCHECK_UPSTREAM_VERSION "${CPACK_PACKAGE_VERSION}")
endif()
set(FIELDCHECK_DEB_VERSION "${FIELDCHECK_UPSTREAM_VERSION}")
if(CPACK_DEBIAN_PACKAGE_RELEASE)
  string(APPEND FIELDCHECK_DEB_VERSION "-${CPACK_DEBIAN_PACKAGE_RELEASE}")
endif()
if(CPACK_DEBIAN_PACKAGE_EPOCH)
  set(FIELDCHECK_DEB_VERSION "${CPACK_DEBIAN_PACKAGE_EPOCH}:${FIELDCHECK_DEB_VERSION}")
endif()

set(FIELDCHECK_DEB_MAINTAINER "${CPACK_DEBIAN_PACKAGE_MAINTAINER}")
if(NOT FIELDCHECK_DEB_MAINTAINER)
  set(FIELDCHECK_DEB_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
endif()

# The commit the sources are at, when they are a Git checkout.
set(FIELDCHECK_SOURCE_COMMIT "")
set(commit_time "")
find_program(fieldcheck_git git)
if(fieldcheck_git)
  execute_process(COMMAND "${fieldcheck_git}" -C "${CPACK_FIELDCHECK_SOURCE_DIR}" log -1 --format=%H%n%ct
                  OUTPUT_VARIABLE commit RESULT_VARIABLE status ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(status EQUAL 0 AND commit MATCHES "^([0-9a-f]+)\n([0-9]+)$")
    string(SUBSTRING "${CMAKE_MATCH_1}" 0 12 short)
    set(FIELDCHECK_SOURCE_COMMIT " (commit ${short})")
    set(commit_time "${CMAKE_MATCH_2}")
  endif()
endif()
# string(TIMESTAMP) reads SOURCE_DATE_EPOCH; the commit's time stands in for it only here.
set(saved_epoch "$ENV{SOURCE_DATE_EPOCH}")
if(saved_epoch STREQUAL "" AND NOT commit_time STREQUAL "")
  set(ENV{SOURCE_DATE_EPOCH} "${commit_time}")
endif()
# RFC 5322, in English whatever the locale: "Tue, 01 Dec 2026 00:46:47 +0000".
string(TIMESTAMP FIELDCHECK_DEB_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
if(saved_epoch STREQUAL "")
  unset(ENV{SOURCE_DATE_EPOCH})
endif()

find_program(fieldcheck_gzip gzip REQUIRED)
foreach(component IN LISTS CPACK_COMPONENTS_ALL)
  string(TOUPPER "${component}" upper)
  set(FIELDCHECK_DEB_PACKAGE "${CPACK_DEBIAN_${upper}_PACKAGE_NAME}")
  set(doc_dir "${CPACK_TEMPORARY_DIRECTORY}/${component}/usr/share/doc/${FIELDCHECK_DEB_PACKAGE}")
  if(NOT FIELDCHECK_DEB_PACKAGE OR NOT IS_DIRECTORY "${doc_dir}")
    message(FATAL_ERROR "changelog.Debian: no staged ${doc_dir} for the component ${component}")
  endif()
  configure_file("${CMAKE_CURRENT_LIST_DIR}/changelog.in" "${doc_dir}/changelog.Debian" @ONLY)
  execute_process(COMMAND "${fieldcheck_gzip}" -9nf "${doc_dir}/changelog.Debian" RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "changelog.Debian: gzip -9n ${doc_dir}/changelog.Debian failed (${status})")
  endif()
  file(CHMOD "${doc_dir}/changelog.Debian.gz" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
endforeach()
