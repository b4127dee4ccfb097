"""Producer, aggregator and stream-processing code of the platform."""
