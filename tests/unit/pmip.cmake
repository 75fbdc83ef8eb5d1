# PMIPv6 proxy bindings (docs/pmipv6.md): their forms (store/pmip.c) and
# their replication between instances (repl/pmip.c, nodes.c).
add_executable(test_pmip test_pmip.c nodes.c test_loop.c)
target_link_libraries(test_pmip PRIVATE vrrp_ha_san)
target_compile_options(test_pmip PRIVATE ${VRRP_HA_WARNINGS})
add_test(NAME unit.pmip COMMAND test_pmip)
set_tests_properties(unit.pmip PROPERTIES TIMEOUT 120)
