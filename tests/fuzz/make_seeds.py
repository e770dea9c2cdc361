#!/usr/bin/env python3
"""Regenerates the committed seed corpus under tests/fuzz/corpus/ (run from anywhere).

Seeds are small valid and near-valid inputs the fuzzers mutate from:
  fuzz_frame  every client frame of protocol/PROTOCOL.md (up to 3 per op) plus tricky JSON/UTF-8;
  fuzz_jwt    tokens signed with the fuzz secret (valid, expired, odd claims) and broken ones;
  fuzz_http   requests the server sees: API calls, WebSocket upgrade, chunked, pipelined,
              oversized and malformed;
  fuzz_ws     client WebSocket byte streams: every length encoding, fragments with control
              frames in between, close frames, and each kind of violation (the first byte is
              the message limit / 16, see fuzz_ws.cpp).
Run it after changing the protocol examples or the fuzz secret, then commit the result. Files
are named by content, so re-running adds only what changed (delete the folder to prune).
"""
import base64
import hashlib
import hmac
import json
import pathlib
import re

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SECRET = b"parley-fuzz-secret"  # kSecret in fuzz_jwt.cpp


def write(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    d = HERE / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha1(data).hexdigest()[:10]
    (d / f"{name}-{digest}").write_bytes(data)


# ---- fuzz_frame ----
def frame_seeds():
    per_op = {}
    decoder = json.JSONDecoder()
    for line in (ROOT / "protocol" / "PROTOCOL.md").read_text().splitlines():
        # "> {…}", or "[who] > {…}" in transcripts with several connections
        if line.startswith("[") and "] " in line:
            line = line[line.index("] ") + 2:].lstrip()
        if not line.startswith("> {"):
            continue
        text = line[2:]
        try:
            obj, end = decoder.raw_decode(text)
        except ValueError:
            continue
        op = obj.get("op", "none")
        if per_op.setdefault(op, 0) >= 3:
            continue
        per_op[op] += 1
        write("fuzz_frame", f"doc-{op}", text[:end])
    tricky = {
        "send-actions": '{"op":"send","channel":"help","text":"t","client_msg_id":"b1","actions":[{"id":"solved","label":"This solved it"},{"id":"not-it","label":"Not \\u00e9"}]}',
        "utf8-line-separators": '{"op":"send","channel":"general","text":"a\u2028b\u2029c\\u2028","client_msg_id":"u1"}',
        "utf8-emoji-zwj": '{"op":"react","channel":"general","seq":1,"emoji":"👩‍👩‍👧‍👦"}',
        "utf8-surrogate-pair": '{"op":"send","channel":"general","text":"\\ud83d\\ude00 ok","client_msg_id":"u2"}',
        "utf8-lone-surrogate": '{"op":"send","channel":"general","text":"\\ud800","client_msg_id":"u3"}',
        "utf8-nul-escape": '{"op":"send","channel":"general","text":"a\\u0000b","client_msg_id":"u4"}',
        "utf8-blank": '{"op":"send","channel":"general","text":"\u3000\u200b\ufeff","client_msg_id":"u5"}',
        "utf8-4byte": '{"op":"send","channel":"dm:alice:bob","text":"𝄞𐍈","client_msg_id":"u6"}',
        "utf8-c1-title": '{"op":"create_channel","channel":"c1","title":"a\u0085b"}',
        "id-string-escapes": '{"op":"ping","id":"\\n\\u2028<x>\\"\\\\"}',
        "id-int-min": '{"op":"ping","id":-9223372036854775808}',
        "id-uint-big": '{"op":"ping","id":18446744073709551615}',
        "id-float": '{"op":"ping","id":1.5}',
        "dup-op": '{"op":"join","op":"leave","channel":"general"}',
        "null-optional": '{"op":"history","channel":"general","before":null,"limit":null}',
        "int-float": '{"op":"delete","channel":"general","seq":5.0}',
        "int-negative": '{"op":"join","channel":"general","since":-1}',
        "int-huge": '{"op":"join","channel":"general","since":18446744073709551616}',
        "history-clamp": '{"op":"history","channel":"general","limit":100000}',
        "nested": '{"op":"ping","x":' + "[" * 70 + "]" * 70 + "}",
        "unknown-op-long": '{"op":"' + "é" * 40 + '","id":1}',
        "advocate-null": '{"op":"set_advocate","user":"bob","advocate":null}',
        "resolve-dismiss-remove": '{"op":"resolve_report","report_id":1,"action":"dismiss","remove":false}',
        "mute-everywhere": '{"op":"mute","user":"bob","duration_s":315360000,"reason":""}',
        "not-object": '["op","ping"]',
        "join-changes-since": '{"op":"join","channel":"help","since":4,"changes_since":17}',
        "dm-reply-to": '{"op":"dm","to":"bob","text":"re","client_msg_id":"d9","reply_to":3}',
        "solve-credit": '{"op":"solve","channel":"help","seq":4,"credit":{"channel":"faq","seq":2}}',
        "solve-credit-nested": '{"op":"solve","channel":"help","seq":4,"credit":{"channel":"faq","seq":2,"credit":{}}}',
    }
    for name, text in tricky.items():
        write("fuzz_frame", name, text)
    write("fuzz_frame", "utf8-invalid-bytes", b'{"op":"send","channel":"general","text":"\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80","client_msg_id":"u7"}')
    write("fuzz_frame", "utf8-bom", b'\xef\xbb\xbf{"op":"ping"}')


# ---- fuzz_jwt ----
def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(header, payload, secret=SECRET, raw_header=False, raw_payload=False):
    h = header if raw_header else json.dumps(header, separators=(",", ":"), ensure_ascii=False)
    p = payload if raw_payload else json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    signing = b64(h) + "." + b64(p)
    sig = hmac.new(secret, signing.encode(), hashlib.sha256).digest()
    return signing + "." + b64(sig)


def jwt_seeds():
    hs = {"alg": "HS256", "typ": "JWT"}
    far = 2_000_000_000
    valid = {
        "valid-customer": {"sub": "alice", "name": "Alice", "role": "customer", "exp": far},
        "valid-staff-iat": {"sub": "s.taff@x+1", "name": "Staff Ünïcødé 👋", "role": "staff", "exp": far, "iat": 1_600_000_000},
        "valid-guest": {"sub": "g-0123456789abcdef", "name": "Guest", "role": "customer", "exp": far, "guest": True},
        "valid-no-name": {"sub": "bot1", "role": "bot", "exp": far},
        "valid-admin-float-exp": {"sub": "root", "role": "admin", "exp": 2e9 + 0.5},
        "valid-exp-uint64": {"sub": "forever", "exp": 18446744073709551615},
        "expired": {"sub": "alice", "exp": 1_600_000_000},
        "bad-role": {"sub": "alice", "role": "god", "exp": far},
        "bad-sub": {"sub": "dm:a:b", "exp": far},
        "no-exp": {"sub": "alice"},
        "name-control": {"sub": "alice", "name": "a\u0007b", "exp": far},
        "name-blank": {"sub": "alice", "name": "\u200b", "exp": far},
        "guest-string": {"sub": "alice", "exp": far, "guest": "yes"},
    }
    for name, payload in valid.items():
        write("fuzz_jwt", name, token(hs, payload))
    claims = {"sub": "alice", "exp": far}
    write("fuzz_jwt", "dup-sub", token(hs, '{"sub":"alice","sub":"admin","exp":2000000000}', raw_payload=True))
    write("fuzz_jwt", "alg-none", token({"alg": "none"}, claims).rsplit(".", 1)[0] + ".")
    write("fuzz_jwt", "alg-hs512", token({"alg": "HS512"}, claims))
    # Identity-provider tokens: the fuzz target re-signs header and payload with its own ES256
    # key, so these reach the key lookup, iss/aud and the claims.
    write("fuzz_jwt", "es256-kid", token({"alg": "ES256", "kid": "fz"}, {"sub": "ann", "exp": far, "iss": "https://login.example", "aud": ["parley", "x"]}))
    write("fuzz_jwt", "es256-no-kid", token({"alg": "ES256"}, claims))
    write("fuzz_jwt", "rs256-unknown-kid", token({"alg": "RS256", "kid": "nope"}, claims))
    write("fuzz_jwt", "es256-kid-twice", token('{"alg":"ES256","kid":"fz","kid":"x"}', claims, raw_header=True))
    write("fuzz_jwt", "alg-dup", token('{"alg":"HS256","alg":"none"}', claims, raw_header=True))
    write("fuzz_jwt", "typ-lower", token({"alg": "HS256", "typ": "jwt"}, claims))
    write("fuzz_jwt", "crit", token({"alg": "HS256", "crit": ["exp"]}, claims))
    write("fuzz_jwt", "wrong-secret", token(hs, claims, secret=b"not-the-secret"))
    write("fuzz_jwt", "header-array", token("[1]", claims, raw_header=True))
    good = token(hs, claims)
    write("fuzz_jwt", "padded", good + "=")
    write("fuzz_jwt", "four-parts", good + ".x")
    write("fuzz_jwt", "std-base64", good.replace("-", "+").replace("_", "/"))
    h, p, s = good.split(".")
    write("fuzz_jwt", "noncanonical-tail", f"{h}.{p}.{s[:-1]}B")
    write("fuzz_jwt", "empty-parts", "..")
    write("fuzz_jwt", "bare-b64", b64(b"\x00\xff\x10 raw bytes"))


# ---- fuzz_http ----
def http_seeds():
    reqs = {
        "get-healthz": "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "head-static": "HEAD /widget.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "guest-post": 'POST /api/guest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 16\r\nOrigin: https://shop.example\r\n\r\n{"name":"Alice"}',
        "staff-patch": 'PATCH /api/channels/help HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig\r\nContent-Length: 18\r\n\r\n{"title":"Help!"} ',
        "staff-query": "GET /api/messages?channel=help&before=10&limit=50&q=%E2%9C%93%zz HTTP/1.1\r\nHost: x\r\nAuthorization: bearer t\r\n\r\n",
        "options-cors": "OPTIONS /api/guest HTTP/1.1\r\nHost: x\r\nOrigin: https://a.example\r\nAccess-Control-Request-Method: POST\r\n\r\n",
        "ws-upgrade": "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: https://a.example\r\n\r\n",
        "ws-upgrade-wrong-path": "GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        "chunked": "POST /api/guest HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\n{\"nam\r\n0b\r\ne\":\"Bob\"}xx\r\n0\r\nX-Trailer: t\r\n\r\n",
        "chunked-bad-size": "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n",
        "pipelined": "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n\r\nPOST /api/guest HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}",
        "http10": "GET / HTTP/1.0\r\n\r\n",
        "http10-keepalive": "GET /console HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n",
        "absolute-form": "GET http://x/healthz?x=1 HTTP/1.1\r\nHost: x\r\n\r\n",
        "body-too-large-declared": "POST /api/guest HTTP/1.1\r\nHost: x\r\nContent-Length: 65537\r\n\r\n{",
        "content-length-dup": "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        "cl-and-chunked": "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "obs-fold": "GET / HTTP/1.1\r\nX-Long: a\r\n b\r\n\r\n",
        "bare-lf": "GET / HTTP/1.1\nHost: x\n\n",
        "bad-method": "G\x01T / HTTP/1.1\r\n\r\n",
        "bad-version": "GET / HTTP/2.0\r\n\r\n",
        "traversal": "GET /../../etc/passwd HTTP/1.1\r\n\r\nGET /%2e%2e/secret HTTP/1.1\r\n\r\n",
        "truncated": "POST /api/guest HTTP/1.1\r\nContent-Length: 10\r\n\r\n{\"na",
    }
    for name, text in reqs.items():
        write("fuzz_http", name, text.encode("latin-1"))
    # Headers over the 16 KiB limit, and just under it.
    write("fuzz_http", "header-over-limit", "GET / HTTP/1.1\r\nX-Big: " + "a" * (16 * 1024) + "\r\n\r\n")
    write("fuzz_http", "header-near-limit", "GET / HTTP/1.1\r\nCookie: " + "b" * (16 * 1024 - 40) + "\r\n\r\n")


# ---- fuzz_ws ----
def ws_frame(first, payload, masked=True, key=b"\x37\xfa\x21\x3d"):
    if isinstance(payload, str):
        payload = payload.encode()
    mask_bit = 0x80 if masked else 0
    n = len(payload)
    if n < 126:
        head = bytes([first, mask_bit | n])
    elif n <= 0xFFFF:
        head = bytes([first, mask_bit | 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([first, mask_bit | 127]) + n.to_bytes(8, "big")
    if not masked:
        return head + payload
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def ws_seeds():
    limit = bytes([255])  # 4080-byte messages: 1009 reachable with one 16-bit-length frame
    ping = '{"op":"ping","id":1}'
    streams = {
        "text": ws_frame(0x81, ping),
        "binary": ws_frame(0x82, b"\x00\x01\xff"),
        "len16": ws_frame(0x81, '{"op":"send","text":"' + "x" * 300 + '"}'),
        "fragments-with-ping": ws_frame(0x01, '{"op":') + ws_frame(0x89, "hi") +
        ws_frame(0x00, '"pi') + ws_frame(0x8A, "") + ws_frame(0x80, 'ng"}'),
        "utf8-split": ws_frame(0x01, b"\xc3") + ws_frame(0x80, b"\xa9"),
        "close-code": ws_frame(0x88, b"\x03\xe8bye") + ws_frame(0x81, "after"),
        "close-empty": ws_frame(0x88, b""),
        "pipelined": b"".join(ws_frame(0x81, '{"op":"ping","id":%d}' % i) for i in range(8)),
        "unmasked": ws_frame(0x81, ping, masked=False),
        "rsv1": ws_frame(0xC1, ping),
        "opcode3": ws_frame(0x83, ping),
        "long-ping": ws_frame(0x89, "p" * 126),
        "stray-continuation": ws_frame(0x80, "x"),
        "nested-message": ws_frame(0x01, "{") + ws_frame(0x81, "x"),
        "close-1005": ws_frame(0x88, b"\x03\xed"),
        "close-bad-utf8": ws_frame(0x88, b"\x03\xe8\xff"),
        "bad-utf8": ws_frame(0x81, b"\xc3\x28"),
        "too-big": ws_frame(0x81, "x" * 5000),
        "non-minimal-16": bytes([0x81, 0xFE, 0, 5]) + b"kkkk" + b"12345",
    }
    for name, data in streams.items():
        write("fuzz_ws", name, limit + data)
    write("fuzz_ws", "len64", bytes([0]) + ws_frame(0x81, "z" * 70000))  # limit 0: refused


frame_seeds()
jwt_seeds()
http_seeds()
ws_seeds()
