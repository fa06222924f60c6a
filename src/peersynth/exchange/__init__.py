"""Exchange with QDA programs and spreadsheets: REFI-QDA codebooks (.qdc) and projects
(.qdpx) in `refi`, spreadsheets in `sheet`; `model` is the exchange model both share and
the mapping between it and a review.

Reading is pure (bytes in, an exchange model and diagnostics out); writing review files
happens in `files`. Nothing here imports typer.
"""
