"""Creates the TimescaleDB hypertables and indexes."""
