"""Immediate DMs from a listener to the person acting, after its ack: a failure is logged,
never shown to the user. DMs to anyone else go through bot.accounts.direct."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

log = logging.getLogger(__name__)


def dm(client: WebClient, user_id: str, text: str, blocks: list | None = None) -> bool:
    try:
        client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
    except SlackApiError as exc:
        log.warning("a DM could not be sent: %s", exc.response.get("error"))
        return False
    except (SlackClientError, OSError) as exc:
        log.warning("a DM could not be sent: %s", type(exc).__name__)
        return False
    return True
