"""peersynth: thematic synthesis for systematic reviews, kept as YAML."""

__version__ = "0.1.0"
