# The Debian packages, made by CPack's DEB generator from a built tree (`cpack -G DEB` in the build
# folder, or packaging/test-packages.sh, which also tests them):
#   fieldcheck-server  the provincial server: /usr/bin/fieldcheck-server, its systemd unit, its
#                      configuration /etc/fieldcheck/server.toml (a conffile), the sample province
#                      under /usr/share/fieldcheck/seed; creates its system user `fieldcheck`.
#   fieldcheck         the inspector's program for Debian and Ubuntu laptops: /usr/bin/fieldcheck.
# Each program's install() rule names its component (sync-server/, client/); the rest are here.
# Both carry /usr/share/doc/PACKAGE/copyright (packaging/deb/copyright, machine-readable format 1.0)
# and changelog.Debian.gz, written at cpack time for the version built (packaging/deb/changelog.cmake).
# Depends are computed by dpkg-shlibdeps from the libraries the programs link, so a package installs
# on the release it was built on (and on others with the same libraries).
if(FIELDCHECK_FUZZ)
  return()  # the fuzz build makes no program to package
endif()

set(fieldcheck_deb_dir "${PROJECT_SOURCE_DIR}/packaging/deb")

# ---- What the server's package holds besides the program ----
# Absolute destinations: CPack's DEB generator stages them under the package's root.
install(FILES "${fieldcheck_deb_dir}/fieldcheck-server.service"
        DESTINATION /lib/systemd/system COMPONENT server)
# The configuration holds secrets once edited (the metrics token): never world-readable, from the
# moment dpkg unpacks it (postinst then gives it to the group fieldcheck, 0640).
install(FILES "${PROJECT_SOURCE_DIR}/packaging/server.toml"
        DESTINATION /etc/fieldcheck COMPONENT server
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
# The sample province: CMakeLists.txt installs it, as part of the server's package.
install(FILES "${PROJECT_SOURCE_DIR}/README.md" "${PROJECT_SOURCE_DIR}/SECURITY.md"
        DESTINATION share/doc/fieldcheck-server COMPONENT server)
install(FILES "${PROJECT_SOURCE_DIR}/README.md"
        DESTINATION share/doc/fieldcheck COMPONENT client)
install(FILES "${fieldcheck_deb_dir}/copyright" DESTINATION share/doc/fieldcheck-server COMPONENT server)
install(FILES "${fieldcheck_deb_dir}/copyright" DESTINATION share/doc/fieldcheck COMPONENT client)

# ---- CPack ----
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME fieldcheck)
set(CPACK_PACKAGE_VENDOR Fieldcheck)
# CPACK_PACKAGE_VERSION: the project's (override it on cpack's command line for a rebuilt package:
# `cpack -D CPACK_PACKAGE_VERSION=0.1.1`); the Debian revision is CPACK_DEBIAN_PACKAGE_RELEASE.
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(FIELDCHECK_PACKAGE_MAINTAINER "Fieldcheck <fieldcheck@localhost>" CACHE STRING
    "The Maintainer field of the .deb packages: who builds them for the province, with their e-mail")
set(CPACK_PACKAGE_CONTACT "${FIELDCHECK_PACKAGE_MAINTAINER}")
if(PROJECT_HOMEPAGE_URL)
  set(CPACK_PACKAGE_HOMEPAGE_URL "${PROJECT_HOMEPAGE_URL}")
endif()
set(CPACK_PACKAGE_DIRECTORY "${PROJECT_BINARY_DIR}/packages")
# The programs are built with debug information (about 100 MB each): the packages carry them stripped.
set(CPACK_STRIP_FILES ON)

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL server client)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # NAME_VERSION-RELEASE_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Maintainer scripts and conffiles installed as 0755 and 0644 whatever their mode in the tree.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# changelog.Debian.gz, once the files are staged: the version it names is the one being built, -D
# overrides on cpack's command line included. It reads the sources' last commit for its date.
set(CPACK_PRE_BUILD_SCRIPTS "${fieldcheck_deb_dir}/changelog.cmake")
set(CPACK_FIELDCHECK_SOURCE_DIR "${PROJECT_SOURCE_DIR}")

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME fieldcheck-server)
set(CPACK_DEBIAN_SERVER_PACKAGE_SECTION net)
# adduser: postinst creates the system user; the rest is computed by dpkg-shlibdeps.
set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS adduser)
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
    "${fieldcheck_deb_dir}/conffiles;${fieldcheck_deb_dir}/postinst;${fieldcheck_deb_dir}/prerm;${fieldcheck_deb_dir}/postrm")
set(CPACK_DEBIAN_SERVER_DESCRIPTION
"provincial sync server of Fieldcheck - máy chủ đồng bộ cấp tỉnh
Máy chủ của tỉnh cho Fieldcheck, hệ thống thu thập dữ liệu kiểm tra tại hiện
trường làm việc ngoại tuyến: nhận và gửi đồng bộ cho máy của cán bộ kiểm tra,
giữ hồ sơ cấp tỉnh trong SQLite, phục vụ bảng điều khiển cho giám sát viên và
cán bộ tỉnh. Chạy như dịch vụ systemd với người dùng hệ thống riêng.

The provincial server of Fieldcheck, an offline-first field inspection data
collection system: syncs the inspectors' laptops, keeps the provincial record
in SQLite and serves the console to supervisors and provincial staff. Runs as
a hardened systemd service under its own system user; configured in
/etc/fieldcheck/server.toml, its data in /var/lib/fieldcheck.")

set(CPACK_DEBIAN_CLIENT_PACKAGE_NAME fieldcheck)
set(CPACK_DEBIAN_CLIENT_PACKAGE_SECTION utils)
# `fieldcheck ui` opens the default browser with xdg-open (without it, it prints the address).
set(CPACK_DEBIAN_CLIENT_PACKAGE_RECOMMENDS xdg-utils)
set(CPACK_DEBIAN_CLIENT_DESCRIPTION
"inspector's program of Fieldcheck - chương trình của cán bộ kiểm tra
Chương trình trên máy tính xách tay của cán bộ kiểm tra: điền phiếu kiểm tra
tại hiện trường không cần mạng, đính kèm ảnh, đồng bộ với máy chủ tỉnh khi có
kết nối. Dòng lệnh `fieldcheck` và ứng dụng trong trình duyệt
(`fieldcheck ui`).

The inspector's program of Fieldcheck for Debian and Ubuntu laptops: fill
inspection checklists offline, attach photos, sync with the provincial server
when a connection appears. The `fieldcheck` command line and its app in the
browser (`fieldcheck ui`), served on 127.0.0.1 only.")

include(CPack)
