# Generate the linker version script of the shared library from the public headers: the names
# of the cav_ functions and data they declare (after the preprocessor has removed comments and
# macros), exported; everything else local. Also writes the plain list (cavity.exports) that
# the symbol test compares `nm -D` against.
# Usage: cmake -DCC=cc -DSRC=source_dir -DGSL_INC=dir -DOUT=dir -P exports.cmake
file(GLOB_RECURSE headers ${SRC}/include/cavity/*.h)
set(all "")
foreach(h ${headers})
  file(RELATIVE_PATH rel ${SRC}/include ${h})
  string(APPEND all "#include \"${rel}\"\n")
endforeach()
file(WRITE ${OUT}/cavity_all_headers.c "${all}")
execute_process(COMMAND ${CC} -E -P -I${SRC}/include -I${GSL_INC} ${OUT}/cavity_all_headers.c
  OUTPUT_VARIABLE text RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "exports: preprocessing the public headers failed")
endif()
# Functions: an identifier followed by "(" (declarations; typedef'd function pointers are
# "(*name)" and do not match). Data: "extern ... cav_name;".
# (";" separates CMake list elements: it becomes "@" first.)
string(REPLACE ";" "@" text "${text}")
string(REGEX MATCHALL "cav_[A-Za-z0-9_]+[ \t\n]*\\(" calls "${text}")
string(REGEX MATCHALL "extern[^@(]*[ \t\n*]cav_[A-Za-z0-9_]+[ \t\n]*@" data "${text}")
set(names "")
foreach(c ${calls} ${data})
  string(REGEX MATCH "cav_[A-Za-z0-9_]+[ \t\n]*[(@]$" tail "${c}")
  string(REGEX REPLACE "[ \t\n]*[(@]$" "" name "${tail}")
  list(APPEND names ${name})
endforeach()
list(REMOVE_DUPLICATES names)
list(SORT names)
string(REPLACE ";" ";\n    " body "${names}")
file(WRITE ${OUT}/cavity.map.tmp "{\n  global:\n    ${body};\n  local: *;\n};\n")
string(REPLACE ";" "\n" plain "${names}")
file(WRITE ${OUT}/cavity.exports.tmp "${plain}\n")
# Touch the outputs only when they change, so the library is not relinked for nothing.
foreach(f cavity.map cavity.exports)
  execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}/${f}.tmp ${OUT}/${f})
endforeach()
