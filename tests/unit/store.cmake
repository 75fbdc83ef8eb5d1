# Binding store (vrrp_ha/src/store/) unit test: a model check of every
# kind of record. Included from tests/unit/CMakeLists.txt.

add_executable(test_store ${CMAKE_CURRENT_SOURCE_DIR}/test_store.c)
add_test(NAME unit.store COMMAND test_store)
target_link_libraries(test_store PRIVATE vrrp_ha_san)
target_compile_options(test_store PRIVATE ${VRRP_HA_WARNINGS})
# malloc/realloc/calloc wrapped (GNU ld) for the allocation-failure tests
if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
  target_link_options(test_store PRIVATE -Wl,--wrap=malloc,--wrap=realloc,--wrap=calloc)
  target_compile_definitions(test_store PRIVATE TEST_STORE_WRAP_MALLOC)
endif()

# rbc.c is now the MIPv6 view of the store: the libFuzzer build of
# codec_rbc.cmake needs the store's sources too.
if(TARGET fuzz_codec)
  foreach(f store slab index btree record)
    target_sources(fuzz_codec PRIVATE ${PROJECT_SOURCE_DIR}/vrrp_ha/src/store/${f}.c)
  endforeach()
endif()

# The ordered index (btree.c) at several levels, against a sorted model.
add_executable(test_btree ${CMAKE_CURRENT_SOURCE_DIR}/test_btree.c)
add_test(NAME unit.btree COMMAND test_btree)
target_link_libraries(test_btree PRIVATE vrrp_ha_san)
target_compile_options(test_btree PRIVATE ${VRRP_HA_WARNINGS})
set_tests_properties(unit.btree PROPERTIES TIMEOUT 120)
