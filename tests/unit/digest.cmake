# Digests, marks and sweep of the binding store (vrrp_ha/src/store/digest.c)
# and their rbc.h view. Included from tests/unit/CMakeLists.txt.

add_executable(test_digest ${CMAKE_CURRENT_SOURCE_DIR}/test_digest.c)
add_test(NAME unit.digest COMMAND test_digest)
target_link_libraries(test_digest PRIVATE vrrp_ha_san)
target_compile_options(test_digest PRIVATE ${VRRP_HA_WARNINGS})

# rbc.c uses the digests: the libFuzzer build of codec_rbc.cmake needs them.
if(TARGET fuzz_codec)
  target_sources(fuzz_codec PRIVATE ${PROJECT_SOURCE_DIR}/vrrp_ha/src/store/digest.c)
endif()
