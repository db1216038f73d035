# Driver for the consumer tests (cmake -P), one step per MODE:
#   install       cmake --install BUILD_DIR into PREFIX (emptied first)
#   package       configure, build and run test/consumer with find_package(eager)
#   subdirectory  the same with add_subdirectory(EAGER_SOURCE_DIR)
# The compiler, launcher and eager's flag options are passed on so the inner
# builds compile exactly like the outer one (and so hit the same ccache).
cmake_minimum_required(VERSION 3.20)

function(run step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer ${MODE}: ${step} failed (${rc})")
  endif()
endfunction()

if(MODE STREQUAL "install")
  file(REMOVE_RECURSE "${PREFIX}")
  run(install "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}" --config "${CONFIG}")
  return()
endif()

if(MODE STREQUAL "package")
  set(mode_args -DEAGER_CONSUMER_MODE=package "-DCMAKE_PREFIX_PATH=${PREFIX}")
elseif(MODE STREQUAL "subdirectory")
  set(mode_args -DEAGER_CONSUMER_MODE=subdirectory "-DEAGER_SOURCE_DIR=${EAGER_SOURCE_DIR}"
      "-DEAGER_CUDA=${EAGER_CUDA}" "-DEAGER_NATIVE=${EAGER_NATIVE}" "-DEAGER_SANITIZE=${EAGER_SANITIZE}")
else()
  message(FATAL_ERROR "run_consumer.cmake: unknown MODE '${MODE}'")
endif()

run(configure "${CMAKE_COMMAND}" -S "${CONSUMER_SOURCE_DIR}" -B "${WORK_DIR}" -G "${GENERATOR}"
    "-DCMAKE_BUILD_TYPE=${CONFIG}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
    "-DCMAKE_CXX_COMPILER_LAUNCHER=${CXX_COMPILER_LAUNCHER}" ${mode_args})
run(build "${CMAKE_COMMAND}" --build "${WORK_DIR}" --config "${CONFIG}" --parallel "${JOBS}")
find_program(consumer_exe consumer PATHS "${WORK_DIR}" "${WORK_DIR}/${CONFIG}" NO_DEFAULT_PATH REQUIRED)
run(run "${consumer_exe}")
