#!/bin/sh
# Every learner's server starts here, as the learner, in the learner's home (JupyterHub's Spawner.cmd).
# First the learner's own copies, by the same code path as `make lab` (written once, updated with the course,
# never overwritten), then the single-user server, which opens student/00_start_here.ipynb.
cd "$HOME" || exit 1
"$COURSE_PYTHON" -m course_lib.learner_copies student || echo "start-singleuser: learner copies not updated" >&2
exec "$(dirname "$COURSE_PYTHON")/jupyterhub-singleuser" "$@"
