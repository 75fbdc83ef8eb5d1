# The SWITCH section of the HA Reliability Protocol's switches (docs/harp.md):
# known-answer bytes, prefixes, value rules.
add_executable(test_switch test_switch.c)
target_link_libraries(test_switch PRIVATE vrrp_ha_san)
target_compile_options(test_switch PRIVATE ${VRRP_HA_WARNINGS})
add_test(NAME unit.switch COMMAND test_switch)
set_tests_properties(unit.switch PROPERTIES TIMEOUT 60)
