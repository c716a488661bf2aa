"""services/hotline."""
