"""Getting data in and out: importers (one module per kind of input) and exporters, all with reject reports."""
