"""Test helpers for sheets-funnel: offline stand-ins for the services it talks to."""
