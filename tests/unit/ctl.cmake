# Control socket server (sync/ctl_server.c) and the vrrp-ha-ctl CLI.
# test_loop.c is the poll()-based struct vrrp_ha_ops shared by unit tests.

# In process: the server on test_loop, clients on plain sockets.
add_executable(test_ctl test_ctl.c ctl_client.c test_loop.c)
target_link_libraries(test_ctl PRIVATE vrrp_ha_sync_san vrrp_ha_san)
target_compile_options(test_ctl PRIVATE ${VRRP_HA_WARNINGS})
add_test(NAME unit.ctl COMMAND test_ctl)
set_tests_properties(unit.ctl PROPERTIES TIMEOUT 120)

# The real CLI against a test server (one MASTER instance on test_loop).
add_executable(ctl_test_server ctl_test_server.c test_loop.c)
target_link_libraries(ctl_test_server PRIVATE vrrp_ha_sync_san vrrp_ha_san)
target_compile_options(ctl_test_server PRIVATE ${VRRP_HA_WARNINGS})
add_test(NAME unit.ctl_cli
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/ctl_cli.sh
          $<TARGET_FILE:vrrp-ha-ctl> $<TARGET_FILE:ctl_test_server>)
set_tests_properties(unit.ctl_cli PROPERTIES TIMEOUT 120)
