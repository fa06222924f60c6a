"""Tables a manuscript prints per study or per coding: Table 1 (the characteristics of
each included study) and the evidence table (each theme's codings with their evidence
and note). Built from a validated `Review`, through the same field and value rules as
the counting commands (`peersynth.analysis`); drawing them is `peersynth.render`'s job.
"""
