"""A real SMTP server (aiosmtpd) on a free loopback port, which a test can start and stop."""

from __future__ import annotations

import socket
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def app_config(app_config, smtp_port):
    return {**app_config, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port, "MAIL_TIMEOUT": 5}


@pytest.fixture
def smtp_server(smtp_port):
    """Start aiosmtpd on the port; yields (start, stop, inbox) so tests can take it down."""
    inbox = Inbox()
    controllers = []

    def start():
        controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        controllers.append(controller)

    def stop():
        while controllers:
            controllers.pop().stop()

    yield start, stop, inbox
    stop()
