#!/usr/bin/python3
"""A real SMTP server on loopback for the email tests: Debian's python3-aiosmtpd.

    smtp_sink.py OUT_DIR PORT_FILE [--starttls CERT KEY]

Listens on 127.0.0.1 (a free port, written to PORT_FILE once it accepts connections). Every
mail it receives is parsed with Python's email package and written to OUT_DIR as N.json:
{"mail_from", "rcpt_tos", "headers": {name: [values]}, "content_type", "parts": [{"type",
"charset", "body"}], "raw"}. With --starttls it offers STARTTLS with CERT/KEY and refuses mail
before it. It runs until stdin closes or it gets SIGTERM.
"""
import email
import email.policy
import json
import os
import signal
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        headers = {}
        for name, value in msg.items():
            headers.setdefault(name.lower(), []).append(str(value))
        parts = []
        for part in msg.walk():
            if part.is_multipart():
                continue
            parts.append({
                "type": part.get_content_type(),
                "charset": part.get_content_charset(),
                "transfer_encoding": part.get("Content-Transfer-Encoding"),
                "body": part.get_content(),
            })
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "headers": headers,
            "content_type": msg.get_content_type(),
            "parts": parts,
            "raw": raw.decode("utf-8", "replace"),
            "tls": session.ssl is not None,
        }
        with self.lock:
            self.count += 1
            name = os.path.join(self.out_dir, "%d.json" % self.count)
        with open(name + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.rename(name + ".tmp", name)
        return "250 OK"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    out_dir, port_file = sys.argv[1], sys.argv[2]
    kwargs = {}
    if len(sys.argv) >= 6 and sys.argv[3] == "--starttls":
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(sys.argv[4], sys.argv[5])
        kwargs = {"tls_context": ctx, "require_starttls": True}
    port = free_port()
    controller = Controller(Sink(out_dir), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    with open(port_file + ".tmp", "w") as f:
        f.write(str(port))
    os.rename(port_file + ".tmp", port_file)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    done.wait()
    controller.stop()


if __name__ == "__main__":
    main()
