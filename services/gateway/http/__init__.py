"""The HTTP edge: checking, limiting and answering a request (problem+json, OpenAPI)."""
