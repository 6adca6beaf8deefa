"""Personal-data duties: retention (the nightly purge), subject export and erasure on request."""
