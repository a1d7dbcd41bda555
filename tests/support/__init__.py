"""Test helpers: a local HTTP server for feeds and fake platform APIs, sample data builders."""
