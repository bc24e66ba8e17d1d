# Hardening (issue 16, docs/SECURITY.md): each script reproduces one hostile-test finding.
#   cli.secrets   no password from a connection string in any command's output
foreach(t secrets)
  add_test(NAME cli.${t} COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/${t}.sh)
  set_tests_properties(cli.${t} PROPERTIES LABELS cli ENVIRONMENT "${MQTTIDS_TEST_ENV}" TIMEOUT 120)
endforeach()
