#!/usr/bin/env bash
# Rewrite the lock files from pyproject.toml: run after changing a dependency there.
# Needs uv (https://docs.astral.sh/uv/; e.g. `python3 -m venv /tmp/uv && /tmp/uv/bin/pip install uv`,
# then UV=/tmp/uv/bin/uv requirements/compile.sh). Resolved for every platform (--universal)
# from Python 3.11 up, each file with the SHA-256 of every file pip may download.
#   service.txt  what `pip install .` needs: the service only
#   train.txt    plus the training libraries (`.[train]`)
#   dev.txt      plus the test, lint and type-check tools (`.[dev]`, which includes train); CI
set -euo pipefail
cd "$(dirname "$0")/.."
UV=${UV:-uv}
for lock in service:"" train:"--extra train" dev:"--extra dev"; do
    name=${lock%%:*}
    # shellcheck disable=SC2086  # the extra's two words are meant to split
    "$UV" pip compile pyproject.toml ${lock#*:} --universal --python-version 3.11 \
        --generate-hashes --custom-compile-command "requirements/compile.sh" \
        --quiet -o "requirements/$name.txt"
done
