# selfheal's batched test driver for Rust mutant schemata (POSIX sh, run inside the sandbox with
# the work directory as its current directory). See rust_run.rs.
#
# selfheal_batch/plan.sh defines: `sh` (this shell), `wall` (seconds, per candidate), `cpu`
# (whole seconds, per candidate), `mutants` (the mutant numbers, best-ranked first), `build` (a
# function: the test step's compile, `rustc --test`, under its own wall-clock limit) and sets
# the positional parameters to the test step's run of the test binary.
#
# The schema is compiled once; then each mutant runs the test binary with SELFHEAL_MUTANT set,
# its CPU limit and, by `timeout`, its wall-clock limit (the whole process group is killed: the
# harness and the process it starts per test). Per mutant K the files outK and errK (the run's
# stdout and stderr), statusK (its status as `timeout` saw it) and msK (wall-clock
# milliseconds) are written. The driver stops after the first mutant whose run exited 0
# (candidates come best first).
set -u
dir=selfheal_batch
. "./$dir/plan.sh"
build > "$dir/build.out" 2> "$dir/build.err"
built=$?
echo $built > "$dir/build.status"
[ $built = 0 ] || exit 0
for k in $mutants; do
  start=$(date +%s%N)
  SELFHEAL_MUTANT=$k "$sh" -c 'ulimit -t "$1" 2>/dev/null; w=$2; shift 2; exec timeout -s KILL "$w" "$@"' \
    sh "$cpu" "$wall" "$@" > "$dir/out$k" 2> "$dir/err$k" < /dev/null
  status=$?
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 )) > "$dir/ms$k"
  echo $status > "$dir/status$k"
  if [ $status = 0 ]; then
    break
  fi
done
