#!/usr/bin/env bash
# Mutation testing of the core formulas (issue 12): a slow, manual check, never part of
# `make test`. See docs/mutation.md for what it measures and the last recorded figures.
#
# Usage (from the repository root):
#   bench/mutation_run.sh                 # every module below
#   bench/mutation_run.sh ngram vocab     # only these (names from the MODULES table)
#
# Needs mutmut 3 in the project venv, installed only for the run:
#   .venv/bin/pip install mutmut==3.8.1
#
# The repository is never mutated: each module is copied (llm_tf/, tests/, data/, setup.cfg,
# pyproject.toml) into $MUTATION_DIR/<name>/ (default /tmp/mutation/work) and mutmut
# writes its mutants/ there. Per module it prints mutmut's summary and writes
# $MUTATION_DIR/<name>/results.txt (`mutmut results --all true`) and summary.json.
# Environment: MUTATION_DIR, MUTATION_CHILDREN (parallel mutant workers, default 2),
# MUTATION_NICE (default 15), MUTATION_LIMIT_S (per module, default 3000: then SIGINT, and
# SIGKILL a minute later; the mutants not reached are reported as "not run"),
# KEEP_MUTANTS=1 to keep the mutants/ copies afterwards (to `mutmut show` a survivor).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY="$ROOT/.venv/bin/python"
MUTMUT="$ROOT/.venv/bin/mutmut"
WORK=${MUTATION_DIR:-/tmp/mutation/work}
CHILDREN=${MUTATION_CHILDREN:-2}
NICE=${MUTATION_NICE:-15}
LIMIT=${MUTATION_LIMIT_S:-3000}  # per module: stop there and report the partial figure
export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}

if [ ! -x "$MUTMUT" ]; then
    echo "mutation_run.sh: mutmut is not installed; run: .venv/bin/pip install mutmut==3.8.1" >&2
    exit 2
fi

# name | file to mutate | the fast tests that exercise it (space separated)
#      | optional: regexes of lines mutmut leaves alone (a matching `def` line skips the whole
#        function; used for plotting code, which is not a formula)
MODULES=(
"exact_match|llm_tf/evaluation/exact_match.py|tests/evaluation/test_exact_match.py tests/reliability/test_mutants_exact_match.py"
"classification_metrics|llm_tf/evaluation/classification_metrics.py|tests/evaluation/test_classification_metrics.py tests/reliability/test_mutants_classification_metrics.py|^def plot_confusion_matrix"
"bleu|llm_tf/evaluation/bleu.py|tests/evaluation/test_bleu.py tests/reliability/test_mutants_bleu.py"
"ngram|llm_tf/evaluation/ngram.py|tests/evaluation/test_ngram.py tests/reliability/test_mutants_ngram.py"
"cooccurrence|llm_tf/vectors/cooccurrence.py|tests/vectors/test_glove.py::test_cooccurrence_counts_match_a_brute_force_loop tests/vectors/test_glove.py::test_cooccurrence_file_round_trip tests/reliability/test_mutants_cooccurrence.py"
"vocab|llm_tf/text/vocab.py|tests/text/test_vocab.py tests/reliability/test_mutants_vocab.py"
)

wanted=("$@")
selected() {
    [ ${#wanted[@]} -eq 0 ] && return 0
    local w
    for w in "${wanted[@]}"; do [ "$w" = "$1" ] && return 0; done
    return 1
}

echo "load before: $(uptime)"
for row in "${MODULES[@]}"; do
    IFS='|' read -r name file tests skip <<<"$row"
    selected "$name" || continue
    dir="$WORK/$name"
    rm -rf "$dir"
    mkdir -p "$dir"
    cp -r "$ROOT/llm_tf" "$ROOT/tests" "$ROOT/data" "$ROOT/pyproject.toml" "$dir/"  # data/: test inputs
    find "$dir" -name __pycache__ -prune -exec rm -rf {} +
    # only the test files that exist (the test_mutants_* files are optional)
    kept=()
    for t in $tests; do [ -e "$dir/${t%%::*}" ] && kept+=("$t"); done
    {
        cat "$ROOT/setup.cfg"
        echo
        echo "[mutmut]"
        echo "source_paths = llm_tf"
        echo "only_mutate = $file"
        echo "also_copy = data"  # test inputs (tests/paths.py finds data/ beside tests/)
        echo "pytest_add_cli_args = -p no:cacheprovider"
        if [ -n "${skip:-}" ]; then echo "do_not_mutate_patterns = $skip"; fi
        echo "pytest_add_cli_args_test_selection ="
        for t in "${kept[@]}"; do echo "    $t"; done
    } >"$dir/setup.cfg"
    echo "=== $name: mutating $file; tests: ${kept[*]}"
    start=$(date +%s)
    (cd "$dir" && timeout -k 60 -s INT "$LIMIT" nice -n "$NICE" "$MUTMUT" run --max-children "$CHILDREN" 2>&1 | tr '\r' '\n' \
        | grep -v -E '^\s*$|⠋|⠙|⠹|⠸|⠼|⠴|⠦|⠧|⠇|⠏' | tail -n 5) || true
    end=$(date +%s)
    (cd "$dir" && nice -n "$NICE" "$MUTMUT" results --all true >results.txt 2>&1 || true)
    (cd "$dir" && nice -n "$NICE" "$MUTMUT" export-cicd-stats >/dev/null 2>&1 || true)
    "$PY" - "$dir" "$name" "$((end - start))" <<'EOF' || echo "$name: no result (stopped first)"
import json, sys
from pathlib import Path
d, name, secs = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
s = json.loads((d / "mutants" / "mutmut-cicd-stats.json").read_text())
caught = s["killed"] + s["timeout"] + s["segfault"]
tested = caught + s["survived"] + s["suspicious"]
s.update(module=name, seconds=secs, not_checked=s["total"] - tested - s["no_tests"] - s["skipped"],
         caught_fraction=round(caught / tested, 4) if tested else None)
(d / "summary.json").write_text(json.dumps(s, indent=2))
print(f"{name}: {s['total']} mutants, {caught} killed, {s['survived']} survived, "
      f"{s['no_tests']} without tests, {s['not_checked']} not run (time limit); "
      f"caught {caught}/{tested} in {secs} s")
EOF
    grep -E ": (survived|no tests|timeout|suspicious)" "$dir/results.txt" || true
    if [ "${KEEP_MUTANTS:-0}" != 1 ]; then rm -rf "$dir/mutants"; fi
done
echo "load after: $(uptime)"
