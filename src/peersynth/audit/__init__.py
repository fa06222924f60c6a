"""`peersynth audit`: check the counts and citations a manuscript states against the review.

documents reads .md, .txt and .docx into paragraphs with positions; patterns
recognises claims, one named pattern per shape; subjects settles which theme a
claim is about; judge compares each claim with the review; render prints findings.
"""
