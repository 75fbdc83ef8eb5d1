# Full recovery trigger detector and scheduler (draft-deng 5.2.2).
# Included from tests/unit/CMakeLists.txt. The socket part runs in a private
# network namespace (root), sending with the hao-esp tool over a veth.

add_executable(test_recovery ${CMAKE_CURRENT_SOURCE_DIR}/test_recovery.c
                             ${CMAKE_CURRENT_SOURCE_DIR}/test_loop.c)
target_link_libraries(test_recovery PRIVATE vrrp_ha_san)
target_compile_options(test_recovery PRIVATE ${VRRP_HA_WARNINGS})
add_test(NAME unit.recovery COMMAND test_recovery $<TARGET_FILE:hao-esp>)
set_tests_properties(unit.recovery PROPERTIES TIMEOUT 60)
