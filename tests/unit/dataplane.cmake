# Data plane (vrrp_ha/src/takeover/dataplane.c) against the real kernel, in a private
# network namespace the test makes itself; skipped (77) without root.
add_executable(test_dataplane test_dataplane.c)
target_link_libraries(test_dataplane PRIVATE vrrp_ha_san)
target_compile_options(test_dataplane PRIVATE ${VRRP_HA_WARNINGS})
add_test(NAME unit.dataplane COMMAND test_dataplane)
set_tests_properties(unit.dataplane PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
