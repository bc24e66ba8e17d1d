# CSV reader fuzz target, corpus replay and a bounded run (fuzz_target.cmake).
include(${CMAKE_CURRENT_LIST_DIR}/fuzz_target.cmake)
mqttids_fuzz_target(csv "fuzz" "fuzz" 4096)
