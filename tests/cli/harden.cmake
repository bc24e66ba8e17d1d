# Hardening (issue 16, docs/SECURITY.md): each script reproduces one hostile-test finding.
#   cli.secrets   no password from a connection string in any command's output
#   cli.stdout_full  a write error on stdout fails the command (exit 1, message with errno)
#   cli.same_file    an output that is an input (device + inode) is refused, the input intact
#   cli.gzip_members every gzip member read; a damaged or garbage one is an error, not lost rows
#   cli.hostile_ts   huge or out-of-range capture timestamps: well-formed alert times, no overflow
#   cli.limits       overlong lines skipped as rejects, long decimals, stale temp files, /dev/zero models
foreach(t secrets stdout_full same_file gzip_members hostile_ts limits)
  add_test(NAME cli.${t} COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/${t}.sh)
  set_tests_properties(cli.${t} PROPERTIES LABELS cli ENVIRONMENT "${MQTTIDS_TEST_ENV}" TIMEOUT 120 SKIP_RETURN_CODE 77)
endforeach()
