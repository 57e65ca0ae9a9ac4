"""Context-window management: trimming history to fit a model and summarizing what falls out."""
