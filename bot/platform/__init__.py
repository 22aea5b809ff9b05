"""The running app: settings, services, the Bolt app factory, the WSGI app and its server,
the guards on inbound requests, and the Slack Web API clients."""
