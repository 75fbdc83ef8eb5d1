# Home link takeover (vrrp_ha/src/takeover/proxynd.c) against the real kernel, in a
# private network namespace with a veth pair the test makes itself; the
# checksum known answers run everywhere, the rest is skipped (77) without root.
add_executable(test_proxynd test_proxynd.c test_loop.c)
target_link_libraries(test_proxynd PRIVATE vrrp_ha_san)
target_compile_options(test_proxynd PRIVATE ${VRRP_HA_WARNINGS})
add_test(NAME unit.proxynd COMMAND test_proxynd)
set_tests_properties(unit.proxynd PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77)
