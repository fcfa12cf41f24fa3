# The C++ code shown to adopters, compiled so that it cannot drift from the
# API: every ```cpp block of docs/guide.md, in order, as one file (a block
# may use what an earlier one declared), and each ```cpp block of README.md
# as the body of a function of its own (the README shows statements).
# Blocks are copied at configure time; editing either file reconfigures.

# sslpp_cpp_blocks(<markdown> <out> [WRAP]) sets <out> to the ```cpp blocks of
# <markdown>, each behind a #line directive so that a compiler error names
# the Markdown file and line. WRAP puts each block in a function.
function(sslpp_cpp_blocks markdown out)
  file(READ "${markdown}" text)
  set(code "")
  set(line 1)
  set(index 0)
  while(TRUE)
    string(FIND "${text}" "```cpp\n" start)
    if(start EQUAL -1)
      break()
    endif()
    math(EXPR start "${start} + 7")
    string(SUBSTRING "${text}" 0 ${start} before)
    string(REGEX REPLACE "[^\n]" "" newlines "${before}")
    string(LENGTH "${newlines}" skipped)
    math(EXPR line "${line} + ${skipped}")
    string(SUBSTRING "${text}" ${start} -1 text)
    string(FIND "${text}" "\n```" end)
    if(end EQUAL -1)
      message(FATAL_ERROR "${markdown}:${line}: a ```cpp block is not closed")
    endif()
    string(SUBSTRING "${text}" 0 ${end} block)
    if(ARGC GREATER 2 AND ARGV2 STREQUAL "WRAP")
      string(APPEND code "void snippet_${index}() {\n#line ${line} \"${markdown}\"\n${block}\n}\n")
    else()
      string(APPEND code "#line ${line} \"${markdown}\"\n${block}\n")
    endif()
    string(SUBSTRING "${text}" 0 ${end} consumed)
    string(REGEX REPLACE "[^\n]" "" newlines "${consumed}")
    string(LENGTH "${newlines}" skipped)
    math(EXPR line "${line} + ${skipped}")
    string(SUBSTRING "${text}" ${end} -1 text)
    math(EXPR index "${index} + 1")
  endwhile()
  set(${out} "${code}" PARENT_SCOPE)
endfunction()

# What the blocks may assume: the whole API and the headers the guide names.
set(prelude "// Generated from Markdown by docs/snippets.cmake: edit the Markdown.
#include <sslpp/sslpp.hpp>

#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <functional>
#include <iostream>
#include <span>
#include <stdexcept>
#include <string>
#include <system_error>
")

set(snippet_sources)
foreach(doc IN ITEMS docs/guide.md README.md)
  set(markdown "${PROJECT_SOURCE_DIR}/${doc}")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${markdown}")
  get_filename_component(stem "${doc}" NAME_WE)
  if(doc STREQUAL "README.md")
    sslpp_cpp_blocks("${markdown}" code WRAP)
  else()
    sslpp_cpp_blocks("${markdown}" code)
  endif()
  # Written through configure_file, which leaves an unchanged file alone, so
  # a reconfigure recompiles nothing.
  file(WRITE "${CMAKE_CURRENT_BINARY_DIR}/snippets/${stem}.cpp.new" "${prelude}\n${code}")
  configure_file("${CMAKE_CURRENT_BINARY_DIR}/snippets/${stem}.cpp.new"
                 "${CMAKE_CURRENT_BINARY_DIR}/snippets/${stem}.cpp" COPYONLY)
  list(APPEND snippet_sources "${CMAKE_CURRENT_BINARY_DIR}/snippets/${stem}.cpp")
endforeach()

# Compiled, not linked or run: examples name files and hosts that exist only
# in the reader's world. Shown code may leave a result unused.
add_library(sslpp_doc_snippets OBJECT ${snippet_sources})
target_link_libraries(sslpp_doc_snippets PRIVATE sslpp)
target_compile_options(sslpp_doc_snippets PRIVATE -Wno-unused-variable -Wno-unused-but-set-variable)
