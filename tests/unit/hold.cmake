# Priority holds (vrrp_ha/src/core/hold.c) and the group's routers
# (vrrp_ha/src/core/peers.c) of one instance on test_loop.
add_executable(test_hold_peers test_hold_peers.c test_loop.c)
target_link_libraries(test_hold_peers PRIVATE vrrp_ha_san)
target_compile_options(test_hold_peers PRIVATE ${VRRP_HA_WARNINGS})
add_test(NAME unit.hold_peers COMMAND test_hold_peers)
set_tests_properties(unit.hold_peers PROPERTIES TIMEOUT 60)
