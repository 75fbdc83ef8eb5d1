# The counter registry (vrrp_ha/src/core/counters.c) and every module's
# counters through a live control socket (stats, stats json).
add_executable(test_counters test_counters.c ctl_client.c test_loop.c)
target_link_libraries(test_counters PRIVATE vrrp_ha_sync_san vrrp_ha_san)
target_compile_options(test_counters PRIVATE ${VRRP_HA_WARNINGS})
add_test(NAME unit.counters COMMAND test_counters)
set_tests_properties(unit.counters PROPERTIES TIMEOUT 60)
