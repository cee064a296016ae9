"""Training data for the embedded model: augmentation, provenance, the fine-tuning set."""
