"""Case views as pure folds over events (filled in by the projections work)."""
