"""The course's tools: student versions, nbgrader import, the GPU check (run as scripts)."""
