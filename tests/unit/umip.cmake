# vrrp-ha-umip (sync/vrrp-ha-umip.c), the adapter for UMIP's mip6d, between
# vt_server (a test double of mip6d's virtual terminal) and ctl_test_server.
add_executable(vt_server vt_server.c)
target_compile_options(vt_server PRIVATE ${VRRP_HA_WARNINGS})

# The adapter again, with ASan/UBSan when VRRP_HA_SANITIZE is on.
add_executable(vrrp-ha-umip-test ${PROJECT_SOURCE_DIR}/sync/vrrp-ha-umip.c)
target_compile_options(vrrp-ha-umip-test PRIVATE ${VRRP_HA_WARNINGS})
if(VRRP_HA_SANITIZE)
  target_compile_options(vrrp-ha-umip-test PRIVATE -fsanitize=address,undefined
                         -fno-omit-frame-pointer)
  target_link_options(vrrp-ha-umip-test PRIVATE -fsanitize=address,undefined)
  target_link_libraries(vrrp-ha-umip-test PRIVATE vrrp_ha_san)
else()
  target_link_libraries(vrrp-ha-umip-test PRIVATE vrrp_ha)
endif()

add_test(NAME unit.umip
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/umip.sh
          $<TARGET_FILE:vrrp-ha-umip-test> $<TARGET_FILE:vt_server>
          $<TARGET_FILE:ctl_test_server> $<TARGET_FILE:vrrp-ha-ctl>)
set_tests_properties(unit.umip PROPERTIES TIMEOUT 60)
