# Attachments (docs/attachments.md): the option codec in wire/mopt.c, the
# table calls in rbc.c, and their replication between instances (nodes.c).
add_executable(test_attach test_attach.c nodes.c test_loop.c)
target_link_libraries(test_attach PRIVATE vrrp_ha_san)
target_compile_options(test_attach PRIVATE ${VRRP_HA_WARNINGS})
add_test(NAME unit.attach COMMAND test_attach)
set_tests_properties(unit.attach PROPERTIES TIMEOUT 120)
