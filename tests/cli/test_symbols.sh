# The shared library exports exactly the public API: every dynamic symbol of libcavity.so is a
# cav_ name declared in include/cavity (the list the build derives from the preprocessed public
# headers, build/cavity.exports), every declared name is defined, and the internals of the
# static library (helpers of src/sim, src/theory, src/run, declared only in src/ headers) are not
# exported.
. "$(dirname "$0")/lib.sh"
B=$(dirname "$CAV")
nm -D --defined-only "$B/libcavity.so" | awk '{print $3}' | sort >exported
sort "$B/cavity.exports" >declared
check "libcavity.so exports symbols" test -s exported
check "every exported symbol starts with cav_" bash -c "! grep -qv '^cav_' exported"
check "every exported symbol is declared in a public header" bash -c "comm -23 exported declared | (! grep -q .)"
check "every public declaration is defined" bash -c "comm -13 exported declared | (! grep -q .)"
nm -g --defined-only "$B/libcavity.a" 2>/dev/null | awk 'NF == 3 {print $3}' | sort -u >static
comm -23 static exported >internal
check "the static library has internal globals" test -s internal
for s in cav_erm_mp_stieltjes cav_store_scan cav_run_alloc sim_dcd_solve dmft_obs_row; do
    if grep -qx "$s" static; then
        check "internal $s not exported" bash -c "! grep -qx $s exported"
    fi
done
echo "exported $(wc -l <exported), internal hidden $(wc -l <internal)"
finish
