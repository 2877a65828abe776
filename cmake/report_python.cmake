# SUANLI_REPORT_PYTHON: the python3 that `suanli report` runs scripts/report/ with. Unless
# given, the first candidate that can import matplotlib (run as the report runs it: -E -s,
# without user site-packages) wins: Debian's /usr/bin/python3 first, because
# python3-matplotlib is built for it and a python3 earlier on PATH (pyenv, a venv) usually
# lacks it. Without one the build still succeeds; the report says at run time what to
# install, and the report tests skip (SUANLI_REPORT_PYTHON_HAS_MATPLOTLIB empty).
function(suanli_python_has_matplotlib python out)
  set(${out} FALSE PARENT_SCOPE)
  if(EXISTS ${python})
    execute_process(COMMAND ${python} -E -s -c "import matplotlib, numpy" RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
    if(rc EQUAL 0)
      set(${out} TRUE PARENT_SCOPE)
    endif()
  endif()
endfunction()

if(NOT DEFINED CACHE{SUANLI_REPORT_PYTHON})
  set(_report_python_candidates /usr/bin/python3)
  find_program(SUANLI_PYTHON3_ON_PATH NAMES python3)
  if(SUANLI_PYTHON3_ON_PATH)
    list(APPEND _report_python_candidates ${SUANLI_PYTHON3_ON_PATH})
  endif()
  set(_report_python /usr/bin/python3)
  foreach(candidate IN LISTS _report_python_candidates)
    suanli_python_has_matplotlib(${candidate} ok)
    if(ok)
      set(_report_python ${candidate})
      break()
    endif()
  endforeach()
  set(SUANLI_REPORT_PYTHON ${_report_python} CACHE FILEPATH "python3 with matplotlib for `suanli report`")
endif()

suanli_python_has_matplotlib(${SUANLI_REPORT_PYTHON} _report_python_ok)
if(_report_python_ok)
  message(STATUS "suanli report: ${SUANLI_REPORT_PYTHON} (has matplotlib)")
  set(SUANLI_REPORT_PYTHON_HAS_MATPLOTLIB ${SUANLI_REPORT_PYTHON} CACHE INTERNAL "" FORCE)
else()
  message(STATUS "suanli report: ${SUANLI_REPORT_PYTHON} cannot import matplotlib (Debian: apt-get install "
                 "python3-matplotlib); `suanli report` will say so, and its tests skip")
  set(SUANLI_REPORT_PYTHON_HAS_MATPLOTLIB "" CACHE INTERNAL "" FORCE)
endif()
