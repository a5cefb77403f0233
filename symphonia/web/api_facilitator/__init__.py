"""The facilitators' JSON API under /api/v1: set a study up, edit its protocol, import and
invite its panel, run its rounds and analyses. Bearer tokens only; the services check every
permission, exactly as for the pages."""
