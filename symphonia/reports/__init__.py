"""Renderers of the report document (see `services.exports.build_report`): JSON and Markdown."""
