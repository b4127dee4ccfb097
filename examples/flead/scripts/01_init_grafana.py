"""Adds TimescaleDB as a Grafana data source and provisions the dashboards."""
