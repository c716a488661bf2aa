"""services/hotline/domain."""
