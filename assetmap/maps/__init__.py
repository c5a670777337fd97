"""folium map builders. Maps load Leaflet and its plugins from our own /vendor/ URLs (see offline.py), never a CDN."""
