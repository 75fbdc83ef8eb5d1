# Sync authentication (vrrp_ha/src/auth/, auth.h). Included from
# tests/unit/CMakeLists.txt; the fuzz targets of the key file parser and of
# unprotect, and their corpus replays, are in tests/fuzz/.

add_executable(test_auth ${CMAKE_CURRENT_SOURCE_DIR}/test_auth.c)
# the known-answer and epoch tests reach the primitives (src/auth/auth_int.h)
target_include_directories(test_auth PRIVATE ${PROJECT_SOURCE_DIR}/vrrp_ha/src)
target_link_libraries(test_auth PRIVATE vrrp_ha_san)
target_compile_options(test_auth PRIVATE ${VRRP_HA_WARNINGS})
add_test(NAME unit.auth COMMAND test_auth)
set_tests_properties(unit.auth PROPERTIES TIMEOUT 60)
