# The compiler's layers: one static library per compiler/ folder, each
# allowed to include only itself, the layers it declares below it (and
# theirs), and the runtime. Included by the top-level CMakeLists.txt, which
# declares the layers in order (compiler/CMakeLists.txt); also run as a script
# (cmake -P) by the build to check one folder's includes:
#
#   cmake -DLAYER=lower -DDIR=compiler/lower -DALLOWED="lower;ir;loop;runtime"
#         -DSTAMP=file -P compiler/Layers.cmake
#
# An include of a higher layer (or of tools/, or one that climbs out with
# "../") fails the build with FILE:LINE: error: ..., naming what the layer
# may include.

if(CMAKE_SCRIPT_MODE_FILE)
  cmake_minimum_required(VERSION 3.20)
  # The check: every include of "compiler/X/...", "runtime/..." or "tools/..."
  # (quoted or angled) in DIR's sources must name an allowed layer, and none
  # may climb out of the folder with "../".
  file(GLOB_RECURSE sources "${DIR}/*.h" "${DIR}/*.hpp" "${DIR}/*.inc" "${DIR}/*.def"
       "${DIR}/*.cpp")
  set(bad "")
  string(REPLACE ";" ", " allowed_text "${ALLOWED}")
  foreach(source IN LISTS sources)
    # One list element per line: list separators and brackets are masked
    # first, so that the count stays true to the file.
    file(READ "${source}" text)
    string(REGEX REPLACE "[][;\\]" "_" text "${text}")
    string(REPLACE "\n" ";" lines "${text}")
    set(number 0)
    foreach(line IN LISTS lines)
      math(EXPR number "${number} + 1")
      if(NOT line MATCHES "^[ \t]*#[ \t]*include[ \t]*[<\"]([^>\"]*)[>\"]")
        continue()
      endif()
      set(path "${CMAKE_MATCH_1}")
      set(target "")
      if(path MATCHES "(^|/)\\.\\./")
        set(target "../")
      elseif(path MATCHES "^compiler/([^/]+)/")
        set(target "${CMAKE_MATCH_1}")
      elseif(path MATCHES "^(runtime|tools)/")
        set(target "${CMAKE_MATCH_1}")
      endif()
      if(target AND NOT target IN_LIST ALLOWED)
        string(APPEND bad "${source}:${number}: error: layer '${LAYER}' includes ${path}: "
                          "it may include only ${allowed_text} (compiler/Layers.cmake)\n")
      endif()
    endforeach()
  endforeach()
  if(bad)
    message(NOTICE "${bad}") # unwrapped, one line per include
    message(FATAL_ERROR "layer '${LAYER}' includes a layer above it")
  endif()
  file(WRITE "${STAMP}" "")
  return()
endif()

set(_lgc_layers_script "${CMAKE_CURRENT_LIST_FILE}")

# lgc_layer(NAME [FOLDER dir] SOURCES file... [BELOW layer...]): the library
# lgc_NAME from SOURCES (relative to FOLDER, by default NAME's folder next to
# the calling CMakeLists.txt), linked to the layers BELOW it, and a build step
# that checks the folder's includes before it compiles. The runtime declares
# itself first, with nothing below it.
function(lgc_layer name)
  cmake_parse_arguments(L "" "FOLDER" "SOURCES;BELOW" ${ARGN})
  if(NOT L_FOLDER)
    set(L_FOLDER "${CMAKE_CURRENT_SOURCE_DIR}/${name}")
  endif()
  list(TRANSFORM L_SOURCES PREPEND "${L_FOLDER}/")
  set(allowed ${name} runtime)
  foreach(below IN LISTS L_BELOW)
    get_property(closure GLOBAL PROPERTY LGC_LAYER_CLOSURE_${below})
    list(APPEND allowed ${below} ${closure})
  endforeach()
  list(REMOVE_DUPLICATES allowed)
  set_property(GLOBAL PROPERTY LGC_LAYER_CLOSURE_${name} ${allowed})

  if(NOT TARGET lgc_${name})
    add_library(lgc_${name} STATIC ${L_SOURCES})
    target_include_directories(lgc_${name} PUBLIC ${PROJECT_SOURCE_DIR})
    foreach(below IN LISTS L_BELOW)
      target_link_libraries(lgc_${name} PUBLIC lgc_${below})
    endforeach()
    target_link_libraries(lgc_${name} PUBLIC lgc_runtime)
  endif()

  set(stamp "${CMAKE_CURRENT_BINARY_DIR}/${name}.layering")
  file(GLOB_RECURSE folder_files CONFIGURE_DEPENDS "${L_FOLDER}/*.h" "${L_FOLDER}/*.hpp"
       "${L_FOLDER}/*.inc" "${L_FOLDER}/*.def" "${L_FOLDER}/*.cpp")
  add_custom_command(OUTPUT "${stamp}"
    COMMAND ${CMAKE_COMMAND} -DLAYER=${name} "-DDIR=${L_FOLDER}"
            "-DALLOWED=${allowed}" "-DSTAMP=${stamp}" -P "${_lgc_layers_script}"
    DEPENDS ${folder_files} "${_lgc_layers_script}"
    COMMENT "Checking the includes of layer ${name}"
    VERBATIM)
  add_custom_target(lgc_${name}_layering DEPENDS "${stamp}")
  add_dependencies(lgc_${name} lgc_${name}_layering)
endfunction()
