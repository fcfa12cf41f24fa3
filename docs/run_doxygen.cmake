# Runs Doxygen with DOXYFILE, whose output (and warnings.log) go to OUTPUT,
# and reports every warning it logged. With STRICT (the
# api_reference_complete test) any warning fails the run, listed, so an
# undocumented public symbol fails the suite; without (the docs target) they
# are printed and the reference is still written.
#   cmake -DDOXYGEN=doxygen -DDOXYFILE=Doxyfile -DOUTPUT=dir [-DSTRICT=ON] -P run_doxygen.cmake

# A fresh output directory: no page of a removed symbol lingers, and the log
# holds this run's warnings only (Doxygen opens it before making the directory).
file(REMOVE_RECURSE "${OUTPUT}")
file(MAKE_DIRECTORY "${OUTPUT}")
execute_process(COMMAND "${DOXYGEN}" "${DOXYFILE}" RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "doxygen failed (${status})")
endif()

file(STRINGS "${OUTPUT}/warnings.log" lines)
if(NOT lines)
  message(STATUS "API reference: no Doxygen warnings; ${OUTPUT}/html/index.html")
  return()
endif()
# Doxygen reports a namespace member twice (for the namespace and the file).
list(REMOVE_DUPLICATES lines)
set(warnings ${lines})
list(FILTER warnings INCLUDE REGEX "(warning|error):")
list(LENGTH warnings count)
list(JOIN lines "\n" text)
# NOTICE prints the lines as they are; WARNING and FATAL_ERROR would rewrap them.
message(NOTICE "${text}")
set(summary "Doxygen: ${count} warnings above (a public symbol without a `///` comment is one)")
if(STRICT)
  message(FATAL_ERROR "${summary}")
endif()
message(WARNING "${summary}")
