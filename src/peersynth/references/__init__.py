"""The review's references: its bibliography file, and the studies matched to its entries."""
