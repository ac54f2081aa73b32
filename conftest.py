# The notebook execution statistics plugin (tests/plugins/execution_stats.py) measures every
# notebook while `pytest --nbval` runs it; it is inert unless OSAI_STATS_FILE is set.
pytest_plugins = ["tests.plugins.execution_stats"]
