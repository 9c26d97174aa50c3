"""Publishing: site layouts, social channels and the publish record."""
