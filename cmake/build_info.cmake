# Run at build time (not configure time) by the suanli_build_info target: writes the tool's
# provenance (git revision, compiler, flags) into a source file, rewritten only when a value
# changed, so a commit without a re-configure still gets its own revision in every result
# and an unchanged tree rebuilds nothing.
#   cmake -DSOURCE_DIR=… -DINPUT=… -DOUTPUT=… -DVERSION=… -DBUILD_TYPE=… -DCOMPILER=…
#         -DCXX_FLAGS=… -DSANITIZE=… -DGIT_EXECUTABLE=… -P build_info.cmake
set(GIT_REVISION "unknown")
if(GIT_EXECUTABLE)
  execute_process(COMMAND ${GIT_EXECUTABLE} describe --always --dirty --abbrev=12
                  WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_VARIABLE revision
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE status)
  if(status EQUAL 0 AND revision)
    set(GIT_REVISION "${revision}")
  endif()
endif()
# Values land inside C++ string literals.
foreach(var VERSION GIT_REVISION BUILD_TYPE COMPILER CXX_FLAGS SANITIZE)
  string(REPLACE "\\" "\\\\" ${var} "${${var}}")
  string(REPLACE "\"" "\\\"" ${var} "${${var}}")
  string(STRIP "${${var}}" ${var})
endforeach()
configure_file(${INPUT} ${OUTPUT} @ONLY)
