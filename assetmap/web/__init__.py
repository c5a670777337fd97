"""The web layer: blueprints by audience. Views parse input and call plain functions in assetmap.model."""
