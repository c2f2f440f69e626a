"""REST API (DRF + drf-spectacular) over the same services and selectors as the pages."""
