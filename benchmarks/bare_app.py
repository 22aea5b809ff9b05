"""The floor for ack latency: a Bolt app with one listener that only acks, served by gunicorn
exactly as `mentorbot run` serves the real one."""

from __future__ import annotations

import os

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

app = App(
    token=os.environ["SLACK_BOT_TOKEN"],
    client=WebClient(os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
    signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    token_verification_enabled=False,
    process_before_response=True,
)


@app.command("/mentor")
def ack_only(ack) -> None:
    ack()


application = SlackRequestHandler(app)
