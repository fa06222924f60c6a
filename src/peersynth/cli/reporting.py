"""tally, cite, matrix, studies and init."""
