# suanli_embed(<target> NAMESPACE <ns> FILES <name>=<path> ...)
# Adds a generated source to <target> that defines, in namespace <ns>:
#   struct EmbeddedFile { std::string_view name; std::string_view text; };
#   extern const EmbeddedFile kEmbeddedFiles[]; extern const int kEmbeddedFileCount;
# The target must declare those (see the embedded_*.h headers next to each user).
function(suanli_embed target)
  cmake_parse_arguments(ARG "" "NAMESPACE" "FILES" ${ARGN})
  set(out "${CMAKE_CURRENT_BINARY_DIR}/${target}_embedded.cpp")
  set(deps "")
  foreach(pair IN LISTS ARG_FILES)
    string(REPLACE "=" ";" parts "${pair}")
    list(GET parts 1 path)
    list(APPEND deps "${path}")
  endforeach()
  # "|" separates the pairs: a ";" would not survive the trip through the shell as a list.
  string(REPLACE ";" "|" inputs "${ARG_FILES}")
  add_custom_command(
    OUTPUT "${out}"
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DNAMESPACE=${ARG_NAMESPACE} "-DINPUTS=${inputs}"
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake
    DEPENDS ${deps} ${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake
    COMMENT "Embedding ${ARG_NAMESPACE} sources"
    VERBATIM)
  target_sources(${target} PRIVATE "${out}")
endfunction()
