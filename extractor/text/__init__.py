"""Text handling: the one sentence splitter, and chunks of long articles."""
