# IPython start-up file of the Colab simulation (tests/test_student_versions.py copies it into the
# simulated kernel's IPYTHONDIR). It runs in the notebook's namespace, so it leaves no names there.

# Colab's kernel imports google.colab at start-up: here the stub of tests/colab/site, which also
# answers `%pip install` from local files.
__import__("google.colab")

# A Colab runtime has no checkout of the course: hide this environment's editable install of osai,
# so that `import osai` finds only what the notebook's `%pip install` put in the simulated site.
__import__("sys").meta_path[:] = [
    finder
    for finder in __import__("sys").meta_path
    if not getattr(finder, "__module__", "").startswith("__editable__")
]
__import__("sys").path_hooks[:] = [
    hook
    for hook in __import__("sys").path_hooks
    if not getattr(hook, "__module__", "").startswith("__editable__")
]
__import__("sys").path_importer_cache.clear()
