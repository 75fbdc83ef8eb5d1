# VRRP-HA-MIB's model (vrrp_ha/src/snmp/) on live instances (nodes.c), and
# the MIB itself through smilint (SMIPATH: the reduced base MIBs of snmp/base).
add_executable(test_snmp test_snmp.c nodes.c test_loop.c)
target_link_libraries(test_snmp PRIVATE vrrp_ha_san)
target_compile_options(test_snmp PRIVATE ${VRRP_HA_WARNINGS})
add_test(NAME unit.snmp COMMAND test_snmp)
set_tests_properties(unit.snmp PROPERTIES TIMEOUT 60)

find_program(SMILINT_EXECUTABLE smilint)
if(SMILINT_EXECUTABLE)
  # -l 6: every error and warning; any output fails the test
  add_test(NAME snmp.smilint
           COMMAND sh -c "out=$(SMIPATH=\"$1/base\" \"$0\" -l 6 -s -m \"$1/VRRP-HA-MIB.txt\" 2>&1); echo \"$out\"; [ -z \"$out\" ]"
                   ${SMILINT_EXECUTABLE} ${PROJECT_SOURCE_DIR}/snmp)
  set_tests_properties(snmp.smilint PROPERTIES TIMEOUT 30)
endif()
