"""The map: one spec, two renderers, and the static files the browser draws from.

    data.Dataset + filters.ViewState
        │
        ▼
    spec.build() ─► MapSpec (pure data: window, fills, features, styles, links, legend, lights)
        │                      │
        │   labels.py: which names, where, at which zoom (shared by both renderers)
        ▼                      ▼
    leaflet.py (browser)      png.py (matplotlib, the 1920×1080 PNG for slides)
      base map once per language (folium), per view a description that
      ppmap.js's ppView draws; label_layer.py places the names in the browser
        │
        ▼
    files.py: the static, content-named files the iframe loads (shapes, the ppView script)
"""
