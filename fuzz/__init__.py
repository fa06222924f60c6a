"""Fuzzing `peersynth validate`: mutators, the oracle and the long run (see run.py)."""
