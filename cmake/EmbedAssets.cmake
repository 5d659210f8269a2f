# fieldcheck_embed_assets(TARGET SYMBOL FILES...): compiles FILES into TARGET as an array of
# fieldcheck::EmbeddedFile named SYMBOL (web_assets.h), each by its file name, so a program serves
# its web pages with nothing beside it on disk. The array is regenerated when a file changes.
set(FIELDCHECK_EMBED_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/embed_assets_script.cmake")

function(fieldcheck_embed_assets target symbol)
  set(files ${ARGN})
  set(output "${CMAKE_CURRENT_BINARY_DIR}/${symbol}.cpp")
  string(REPLACE ";" "|" file_list "${files}")
  add_custom_command(
    OUTPUT "${output}"
    COMMAND ${CMAKE_COMMAND} "-DOUTPUT=${output}" "-DSYMBOL=${symbol}" "-DFILES=${file_list}"
            -P "${FIELDCHECK_EMBED_SCRIPT}"
    DEPENDS ${files} "${FIELDCHECK_EMBED_SCRIPT}"
    COMMENT "Embedding ${symbol}: the web assets"
    VERBATIM)
  target_sources(${target} PRIVATE "${output}")
endfunction()
