"""The web console at /ui: server-rendered pages, a cookie session, a CSRF-checked API bridge."""
