"""Scoring reading against gold: the fixture pages' post-level gold (:mod:`.gold`), used by
``bench/accuracy.py`` and the tests."""
