"""Benchmarks: iqgateway side by side with other clients against the same simulated device (`make bench`)."""
