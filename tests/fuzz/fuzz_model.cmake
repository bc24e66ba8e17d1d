# Model-file reader fuzz target: corpus replay (small lr/rf/nn models and broken variants),
# no bounded run (fuzz_target.cmake).
include(${CMAKE_CURRENT_LIST_DIR}/fuzz_target.cmake)
mqttids_fuzz_target(model "fuzz" "" 0)
