# Extension message (vrrp_ha/src/wire/ext.c) and mobility option TLVs
# (wire/mopt.c). Included from tests/unit/CMakeLists.txt; the fuzz targets
# and their corpus replays are in tests/fuzz/.

add_executable(test_ext ${CMAKE_CURRENT_SOURCE_DIR}/test_ext.c)
target_link_libraries(test_ext PRIVATE vrrp_ha_san)
target_compile_options(test_ext PRIVATE ${VRRP_HA_WARNINGS})
add_test(NAME unit.ext COMMAND test_ext)
