# Per-state behaviour of one instance (vrrp_ha/src/core + repl + notify) on test_loop.
add_executable(test_ha test_ha.c nodes.c test_loop.c)
target_link_libraries(test_ha PRIVATE vrrp_ha_san)
target_compile_options(test_ha PRIVATE ${VRRP_HA_WARNINGS})
add_test(NAME unit.ha COMMAND test_ha)
set_tests_properties(unit.ha PROPERTIES TIMEOUT 120)
