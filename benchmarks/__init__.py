"""Benchmarks for ``make bench`` (``python -m benchmarks [NAME ...] [--quick]``); not tests."""
