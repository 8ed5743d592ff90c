"""The programs in this folder are scripts, run by tests/test_compat_programs.py
(``python PROGRAM.py torch`` and ``python PROGRAM.py tinygrad_cnn``); pytest
must not import them (their top level trains a model)."""
collect_ignore_glob = ["*.py"]
