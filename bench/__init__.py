"""Benchmarks for `make bench`. Figures are ratios against a baseline measured in the same run."""
