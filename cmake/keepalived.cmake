# Fetch keepalived 2.2.7 (Debian orig tarball, sha256-checked), apply
# keepalived-patch/ in series order, configure VRRP + IPv6 + SNMP, build the
# vrrp-ha glue against its headers and link everything into keepalived.
# Each step has a stamp so a rebuild with nothing changed does nothing.

set(KA_VERSION 2.2.7)
set(KA_ROOT ${CMAKE_BINARY_DIR}/keepalived)
set(KA_TARBALL ${KA_ROOT}/dl/keepalived_${KA_VERSION}.orig.tar.gz)
set(KA_SRC ${KA_ROOT}/keepalived-${KA_VERSION})
set(KA_PATCH_DIR ${PROJECT_SOURCE_DIR}/keepalived-patch)
set(KA_GLUE_DIR ${PROJECT_SOURCE_DIR}/vrrp_ha/glue)
set(KA_BIN ${KA_SRC}/keepalived/keepalived)
set(KEEPALIVED_BIN ${KA_BIN} CACHE INTERNAL "patched keepalived binary")

file(STRINGS ${KA_PATCH_DIR}/series KA_SERIES REGEX "^[^#]")
set(KA_PATCH_FILES)
foreach(p IN LISTS KA_SERIES)
  list(APPEND KA_PATCH_FILES ${KA_PATCH_DIR}/${p})
endforeach()

add_custom_command(
  OUTPUT ${KA_TARBALL}
  COMMAND sh ${PROJECT_SOURCE_DIR}/cmake/fetch-keepalived.sh ${KA_ROOT}/dl
  DEPENDS ${PROJECT_SOURCE_DIR}/cmake/fetch-keepalived.sh
  COMMENT "Fetching keepalived ${KA_VERSION} orig tarball (Debian source package)"
  VERBATIM)

add_custom_command(
  OUTPUT ${KA_ROOT}/patched.stamp
  COMMAND sh ${PROJECT_SOURCE_DIR}/cmake/unpack-keepalived.sh ${KA_TARBALL} ${KA_ROOT}
          ${KA_PATCH_DIR}
  COMMAND ${CMAKE_COMMAND} -E touch ${KA_ROOT}/patched.stamp
  DEPENDS ${KA_TARBALL} ${KA_PATCH_DIR}/series ${KA_PATCH_FILES}
          ${PROJECT_SOURCE_DIR}/cmake/unpack-keepalived.sh
  COMMENT "Unpacking keepalived and applying keepalived-patch/series"
  VERBATIM)

add_custom_command(
  OUTPUT ${KA_ROOT}/configured.stamp
  COMMAND sh ${PROJECT_SOURCE_DIR}/cmake/build-keepalived.sh ${KA_SRC} ${KA_ROOT} ${KA_GLUE_DIR}
          configure
  COMMAND ${CMAKE_COMMAND} -E touch ${KA_ROOT}/configured.stamp
  DEPENDS ${KA_ROOT}/patched.stamp ${PROJECT_SOURCE_DIR}/cmake/build-keepalived.sh
  COMMENT "Configuring keepalived (log: ${KA_ROOT}/configure.log)"
  VERBATIM)
add_custom_target(keepalived_configured DEPENDS ${KA_ROOT}/configured.stamp)

# The glue is our code but speaks keepalived's internal API.
add_library(vrrp_ha_glue STATIC ${KA_GLUE_DIR}/vrrp_ha_glue.c ${KA_GLUE_DIR}/vrrp_ha_snmp.c)
add_dependencies(vrrp_ha_glue keepalived_configured)
target_include_directories(vrrp_ha_glue PRIVATE ${KA_GLUE_DIR} ${KA_SRC}/keepalived/include
                                                ${KA_SRC}/lib)
target_compile_definitions(vrrp_ha_glue PRIVATE HAVE_CONFIG_H _GNU_SOURCE NETSNMP_NO_INLINE)
# -Werror: a warning in our glue (against keepalived's headers) fails the build
target_compile_options(vrrp_ha_glue PRIVATE -Wall -Wextra -Wno-unused-parameter -Werror)
target_link_libraries(vrrp_ha_glue PUBLIC vrrp_ha_sync vrrp_ha)

# keepalived's own configure does not link libnl (KA_LIBS has no -lnl-*);
# vrrp_ha's data plane needs it. libcrypto (sync authentication) is in
# KA_LIBS, but before our archives on the link line: named again after them.
set(KA_EXTRA_LIBS
    "$<TARGET_FILE:vrrp_ha_glue> $<TARGET_FILE:vrrp_ha_sync> $<TARGET_FILE:vrrp_ha> -lnl-route-3 -lnl-3 -lcrypto")
add_custom_command(
  OUTPUT ${KA_BIN}
  COMMAND sh ${PROJECT_SOURCE_DIR}/cmake/build-keepalived.sh ${KA_SRC} ${KA_ROOT} ${KA_GLUE_DIR}
          make "${KA_EXTRA_LIBS}"
  DEPENDS ${KA_ROOT}/configured.stamp vrrp_ha_glue vrrp_ha_sync vrrp_ha
          ${KA_GLUE_DIR}/vrrp_ha_glue.h ${KA_GLUE_DIR}/vrrp_ha_snmp.h
  COMMENT "Building patched keepalived (log: ${KA_ROOT}/make.log)"
  VERBATIM)
add_custom_target(keepalived ALL DEPENDS ${KA_BIN})

# Installation (docs/packaging.md): the patched keepalived under its own name,
# so it never replaces a stock /usr/sbin/keepalived, with its own unit and
# defaults file. VRRP_HA_*_DIR come from the top-level CMakeLists.txt.
install(PROGRAMS ${KA_BIN} DESTINATION sbin RENAME keepalived-vrrp-ha)
# install(PROGRAMS) is not stripped by CPACK_STRIP_FILES / --strip: do it here.
install(CODE "
  if(CMAKE_INSTALL_DO_STRIP AND NOT \"${CMAKE_STRIP}\" STREQUAL \"\")
    execute_process(COMMAND \"${CMAKE_STRIP}\" --strip-unneeded
                    \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/sbin/keepalived-vrrp-ha\")
  endif()")
configure_file(${PROJECT_SOURCE_DIR}/packaging/vrrp-ha-keepalived.service.in
               ${CMAKE_BINARY_DIR}/packaging/vrrp-ha-keepalived.service @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/packaging/vrrp-ha-keepalived.service
        DESTINATION ${VRRP_HA_UNIT_DIR})
install(FILES ${PROJECT_SOURCE_DIR}/packaging/vrrp-ha-keepalived.default
        DESTINATION ${VRRP_HA_DEFAULT_DIR} RENAME vrrp-ha-keepalived)
