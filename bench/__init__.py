"""Scale benchmark for `residency scan` (see README.md); run `python bench/benchmark.py --help`."""
