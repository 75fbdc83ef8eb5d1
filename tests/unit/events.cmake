# The event stream (vrrp_ha/src/core/events.c) on its own and on live
# instances (nodes.c) carrying packets to each other.
add_executable(test_events test_events.c nodes.c ctl_client.c test_loop.c)
target_link_libraries(test_events PRIVATE vrrp_ha_san)
target_compile_options(test_events PRIVATE ${VRRP_HA_WARNINGS})
add_test(NAME unit.events COMMAND test_events)
set_tests_properties(unit.events PROPERTIES TIMEOUT 60)
