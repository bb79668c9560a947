"""The Envoy simulator: a faithful device (and Enphase cloud) over real HTTP(S)."""
