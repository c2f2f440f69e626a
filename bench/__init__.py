"""Benchmarks (not tests): each prints ratios against a baseline measured in the same run and writes its
figures to bench/results/. Run with `make bench`."""
