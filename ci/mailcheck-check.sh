#!/usr/bin/env bash
# The reusable CI step (action.yml runs this; tests/docs/test_ci_step.py runs it locally):
# install mailcheck with pip, run `mailcheck check` with a JUnit report, and pass its exit
# code through: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also: mailcheck could not be
# installed, or the config is missing). Uploads nothing itself.
#
# Inputs, from the environment (the action maps its inputs to these):
#   MAILCHECK_CI_CONFIG     the config file (required)
#   MAILCHECK_CI_PROFILES   profiles to check, separated by spaces, commas or new lines;
#                           empty: every profile (--all)
#   MAILCHECK_CI_PACKAGE    what pip installs: a requirement, a wheel, a directory
#                           ("false": use the mailcheck already installed for the Python)
#   MAILCHECK_CI_PIP_ARGS   extra pip arguments (an index, --no-deps, ...), split on spaces
#   MAILCHECK_CI_ARGS       extra `mailcheck check` arguments (--deadline 120 --lang en ...)
#   MAILCHECK_CI_REPORT     the JUnit file to write [mailcheck-junit.xml]
#   MAILCHECK_CI_PYTHON     the Python to install into and run with [python3]
# Outputs, appended to $GITHUB_OUTPUT when it is set: report, exit-code, status.
set -uo pipefail

config=${MAILCHECK_CI_CONFIG:-}
profiles=${MAILCHECK_CI_PROFILES:-}
package=${MAILCHECK_CI_PACKAGE:-}
report=${MAILCHECK_CI_REPORT:-mailcheck-junit.xml}
python=${MAILCHECK_CI_PYTHON:-python3}
read -r -a pip_args <<<"${MAILCHECK_CI_PIP_ARGS:-}"
read -r -a check_args <<<"${MAILCHECK_CI_ARGS:-}"

# The step's outputs, written however the step ends, so a later step can read them.
finish() {
    local code=$1 status
    case $code in
        0) status=OK ;;
        1) status=WARNING ;;
        2) status=CRITICAL ;;
        *) status=UNKNOWN ;;
    esac
    if [[ -n ${GITHUB_OUTPUT:-} ]]; then
        printf 'report=%s\nexit-code=%s\nstatus=%s\n' "$report" "$code" "$status" >>"$GITHUB_OUTPUT"
    fi
    echo "mailcheck: $status (exit $code), JUnit report: $report"
    exit "$code"
}

fail() {
    echo "mailcheck: error: $1" >&2
    finish 3
}

[[ -n $config ]] || fail "no config file given (the action's 'config' input)"
[[ -r $config ]] || fail "cannot read the config file $config"
[[ -n $package ]] || fail "nothing to install (the action's 'package' input)"

if [[ $package != false ]]; then
    # Quiet, but pip's own error stays visible when the install fails.
    if ! "$python" -m pip install --quiet --disable-pip-version-check "${pip_args[@]}" "$package"; then
        fail "could not install mailcheck from $package with pip"
    fi
fi

selection=()
for profile in ${profiles//,/ }; do
    selection+=(--profile "$profile")
done
((${#selection[@]})) || selection=(--all)

# --no-history: a CI runner is thrown away after the job, its history with it.
"$python" -m mailcheck check --config "$config" "${selection[@]}" --junit "$report" \
    --no-history "${check_args[@]}"
code=$?
[[ -s $report ]] || echo "mailcheck: no JUnit report was written to $report" >&2
finish "$code"
