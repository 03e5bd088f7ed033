# selfheal's batched test driver for Go mutant schemata (POSIX sh, run inside the sandbox with
# the work directory as its current directory). See go_run.rs.
#
# selfheal_batch/plan.sh defines: `go` (the toolchain's go), `sh` (this shell), `package` (the
# import path `go test -json` reports), `wall` (seconds, per candidate), `cpu` (whole seconds,
# per candidate), `mutants` (the mutant numbers, best-ranked first) and `build` (a function:
# the test step's compile, `go test -c`, writing selfheal_batch/t.test).
#
# The schema is compiled once; then each mutant runs the test binary with SELFHEAL_MUTANT set,
# with the flags `go test` gives it, under `go tool test2json` (the events `go test -json`
# prints), its CPU limit and, by `timeout`, its wall-clock limit (the whole process group is
# killed), followed by the line `go test` prints after a test binary that was not killed
# (`ok  \tPACKAGE\t…` or `FAIL\tPACKAGE\t…`, the package's end event). Per mutant K the files
# outK.json (the events), statusK (the binary's status as `timeout` saw it), exitK
# (test2json's status) and msK (wall-clock milliseconds) are written.
# The driver stops after the first mutant whose binary exited 0 (candidates come best first).
set -u
dir=selfheal_batch
. "./$dir/plan.sh"
build > "$dir/build.txt" 2>&1
built=$?
echo $built > "$dir/build.status"
[ $built = 0 ] && [ -x "$dir/t.test" ] || exit 0
for k in $mutants; do
  start=$(date +%s%N)
  SELFHEAL_MUTANT=$k "$go" tool test2json -p "$package" "$sh" -c \
    'ulimit -t "$1" 2>/dev/null
     timeout -s KILL "$2" ./selfheal_batch/t.test -test.paniconexit0 -test.v=true -test.timeout=10m0s -test.count=1 2>&1
     s=$?
     echo $s > "$3"
     case $s in
       137|152) ;;
       0) printf "ok  \t%s\t0.000s\n" "$4" ;;
       *) printf "FAIL\t%s\t0.000s\n" "$4" ;;
     esac
     exit $s' \
    sh "$cpu" "$wall" "$dir/status$k" "$package" > "$dir/out$k.json" 2> "$dir/err$k"
  echo $? > "$dir/exit$k"
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 )) > "$dir/ms$k"
  if [ "$(cat "$dir/status$k" 2>/dev/null)" = 0 ]; then
    break
  fi
done
