"""Benchmark of the dashboard against a naive folium map; see bench/README.md."""
