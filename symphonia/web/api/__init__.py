"""The JSON API under /api/v1: typed request and response models, described in the OpenAPI
schema at /schema/openapi.json, and refusals as `{status_code, detail, problems}`."""
