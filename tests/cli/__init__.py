"""Tests of the `iqgateway` discover, watch and capture commands against the simulator."""
