# Shared by the CLI test scripts (sourced): `check LABEL EXPECTED ACTUAL`
# prints a FAIL block when they differ and counts it in $fails; a script
# ends with `exit $((fails > 0))`.
fails=0
check() { # label expected actual
    if [ "$2" != "$3" ]; then
        echo "FAIL $1"
        echo "  expected: $2"
        echo "  actual:   $3"
        fails=$((fails + 1))
    fi
}
