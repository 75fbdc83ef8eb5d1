# Hard switch (RFC 5142 Home Agent Switch): codec and the paced run.
add_executable(test_haswitch ${CMAKE_CURRENT_SOURCE_DIR}/test_haswitch.c
                             ${CMAKE_CURRENT_SOURCE_DIR}/nodes.c ${CMAKE_CURRENT_SOURCE_DIR}/test_loop.c)
target_include_directories(test_haswitch PRIVATE ${PROJECT_SOURCE_DIR}/vrrp_ha/src)
target_link_libraries(test_haswitch PRIVATE vrrp_ha_san)
target_compile_options(test_haswitch PRIVATE ${VRRP_HA_WARNINGS})
add_test(NAME unit.haswitch COMMAND test_haswitch)
set_tests_properties(unit.haswitch PROPERTIES TIMEOUT 60)
