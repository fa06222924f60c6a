"""Confidence in the review's findings: findings.yaml, GRADE-CERQual and JBI ConQual.

`records` holds what findings.yaml says as plain records (cached with the review, so no
pydantic here), `models` the schema it is validated against, `rules` the two methods'
rules and what peersynth works out from the coding for each finding, `checks` the
diagnostics of findings.yaml, and `table` the Summary of Qualitative Findings and the
evidence profile.
"""
