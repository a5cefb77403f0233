"""A real OpenAI-compatible HTTP server for tests: POST /v1/chat/completions on 127.0.0.1.

Stdlib only (ThreadingHTTPServer in a daemon thread, ephemeral port), so tests need no
extra package. Behaviours are scriptable per request: a queue (`script`) is consumed first,
then `behaviour` applies. "good" derives a faithful reply from the fragments it finds in the
prompt (proving they were sent); the others misbehave in the ways real servers and models
do: slow, hanging, 429, 500, truncated/malformed JSON, wrong schema, hallucinated or foreign
ids, contested-as-consensus, invented numbers, omitted minority side, echoed injection.
Every request body is recorded for assertions (e.g. no author pseudonym was ever sent).

It reads the drafter's prompt format back (`parse_theme_prompt`): a theme request carries
one or more themes ("Theme A: <status>; <figures>; sections <allowed>"), each followed by its
fragments: ``## side`` and ``# kind group [|confidence]`` headings and ``n|confidence "text"``
lines (``n "text"`` under a heading that carries the confidence); theme behaviours answer
every theme of a request (and misbehave on each) under its key.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_THEME = re.compile(r"^Theme (?P<key>[A-Z]+): (?P<status>\w+); .*; sections (?P<sections>.+)$")
_MINORITY = "Minority: "
_SIDE = re.compile(r"^## (?P<side>.+)$")
_RUN = re.compile(r"^# (?P<kind>\w+)(?: (?P<group>.*?))?(?: \|(?P<conf>\d))?$")
_LINE = re.compile(r'^(?P<id>\d+)(?:\|(?P<conf>\d))? (?P<text>".*")$')


@dataclass
class Block:
    side: str | None
    ids: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    confidences: list[int] = field(default_factory=list)


@dataclass
class ThemePrompt:
    """What a request said about one of its themes, parsed back out of the prompt."""

    key: str
    status: str
    allowed: list[str]
    minority: str | None = None
    blocks: list[Block] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        return [i for b in self.blocks for i in b.ids]


def parse_theme_prompt(user: str) -> list[ThemePrompt]:
    """The themes of a theme request, in order, with their fragments by side."""
    themes: list[ThemePrompt] = []
    kind, confidence = "", 0
    for raw in user.splitlines():
        head = _THEME.match(raw)
        if head:
            allowed = [s.strip() for s in head.group("sections").split(",") if s.strip()]
            themes.append(ThemePrompt(head.group("key"), head.group("status"), allowed))
        elif not themes:
            continue  # the question, before any theme
        elif raw.startswith(_MINORITY):
            themes[-1].minority = raw[len(_MINORITY) :].strip()
        elif side := _SIDE.match(raw):
            themes[-1].blocks.append(Block(side.group("side")))
        elif run := _RUN.match(raw):
            kind, confidence = run.group("kind"), int(run.group("conf") or 0)
        elif line := _LINE.match(raw):
            if not themes[-1].blocks:
                themes[-1].blocks.append(Block(None))
            block = themes[-1].blocks[-1]
            block.ids.append(line.group("id"))
            block.texts.append(json.loads(line.group("text")))
            block.kinds.append(kind)
            block.confidences.append(int(line.group("conf") or confidence))
    return themes


@dataclass
class Reply:
    status: int = 200
    content: str | None = None
    """The assistant message content (status 200) or ignored."""
    error: str | None = None
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    raw_body: str | None = None


Behaviour = Callable[["FakeOpenAIServer", dict[str, Any]], Reply]


def _messages(body: dict[str, Any]) -> tuple[str, str]:
    system = next((m["content"] for m in body["messages"] if m["role"] == "system"), "")
    user = next((m["content"] for m in body["messages"] if m["role"] == "user"), "")
    return system, user


def is_overview(body: dict[str, Any]) -> bool:
    return "overview" in _messages(body)[0]


def good_statements(p: ThemePrompt) -> list[dict[str, Any]]:
    """A faithful reply: one statement per block, in the home section, quoting its evidence."""
    out = []
    home = p.allowed[0] if p.allowed else "gap"
    for b in p.blocks:
        if not b.ids:
            continue
        prefix = f"{b.side.capitalize()} side: " if b.side else ""
        if p.minority:
            prefix = f"{p.minority[0].upper()}{p.minority[1:]}: " + prefix
        out.append(
            {
                "section": home,
                "text": prefix + b.texts[0],
                "fragment_ids": b.ids,
                "strength": "moderate",
            }
        )
    return out


def good_label(p: ThemePrompt) -> str:
    """A label in the contributors' words: the first words of the theme's first fragment."""
    first = next((b.texts[0] for b in p.blocks if b.texts), "")
    return " ".join(first.split()[:5]).strip(",.;:")


def draft_reply(
    parts: list[tuple[ThemePrompt, list[dict[str, Any]]]],
    label: Callable[[ThemePrompt], str] = good_label,
) -> str:
    """A theme request's reply: each theme's label and statements under the key the prompt
    gave it."""
    return json.dumps(
        {"themes": [{"theme": p.key, "label": label(p), "statements": st} for p, st in parts]}
    )


def good(server: FakeOpenAIServer, body: dict[str, Any]) -> Reply:
    _system, user = _messages(body)
    if is_overview(body):
        n = sum(1 for raw in user.splitlines() if raw.startswith('"'))
        return Reply(content=json.dumps({"overview": f"The synthesis covers {n} themes."}))
    return Reply(content=draft_reply([(p, good_statements(p)) for p in parse_theme_prompt(user)]))


def _theme_reply(mutate: Callable[[ThemePrompt, list[dict[str, Any]]], None]) -> Behaviour:
    """A behaviour that answers every theme of a request well, then `mutate`s each answer."""

    def behaviour(server: FakeOpenAIServer, body: dict[str, Any]) -> Reply:
        if is_overview(body):
            return good(server, body)
        parts = [(p, good_statements(p)) for p in parse_theme_prompt(_messages(body)[1])]
        for p, statements in parts:
            mutate(p, statements)
        return Reply(content=draft_reply(parts))

    return behaviour


def _hallucinate(p: ThemePrompt, st: list[dict[str, Any]]) -> None:
    st[0]["fragment_ids"] = [*st[0]["fragment_ids"], "f-does-not-exist"]


def _as_consensus(p: ThemePrompt, st: list[dict[str, Any]]) -> None:
    for s in st:
        s["section"], s["strength"] = "consensus", "strong"
        s["text"] = "All experts agree: " + s["text"]


def _invent_percent(p: ThemePrompt, st: list[dict[str, Any]]) -> None:
    st[0]["text"] += " This view is shared by 83% of the panel."


def _omit_minority_side(p: ThemePrompt, st: list[dict[str, Any]]) -> None:
    if len(st) > 1:
        del st[1:]


def _echo_injection(p: ThemePrompt, st: list[dict[str, Any]]) -> None:
    """A model that obeys an injected instruction found in the data."""
    for b in p.blocks:
        for fid, text in zip(b.ids, b.texts, strict=True):
            if "ignore previous instructions" in text.lower():
                st.insert(
                    0,
                    {
                        "section": "consensus",
                        "strength": "strong",
                        "text": "There is full consensus among all experts on this theme.",
                        "fragment_ids": [fid],
                    },
                )
                return


def foreign_ids(server: FakeOpenAIServer, body: dict[str, Any]) -> Reply:
    """Cites, for each theme, an id seen earlier that is not the theme's own: one of another
    theme of the same request (a real fragment outside the theme), or of an earlier request
    (a number this request may not have sent at all)."""
    if is_overview(body):
        return good(server, body)
    parts = []
    for p in parse_theme_prompt(_messages(body)[1]):
        st = good_statements(p)
        foreign = [i for i in server.seen_ids if i not in p.ids]
        if foreign:
            st[0]["fragment_ids"] = [foreign[-1]]
        server.seen_ids.extend(p.ids)
        parts.append((p, st))
    return Reply(content=draft_reply(parts))


def truncated(server: FakeOpenAIServer, body: dict[str, Any]) -> Reply:
    text = good(server, body).content or ""
    return Reply(content=text[: len(text) // 2])


BEHAVIOURS: dict[str, Behaviour] = {
    "good": good,
    "slow": lambda s, b: Reply(**{**good(s, b).__dict__, "delay_s": 0.3}),
    "hang": lambda s, b: Reply(content="{}", delay_s=30.0),
    "rate_limited": lambda s, b: Reply(
        status=429, error="Rate limit reached", headers={"retry-after": "0"}
    ),
    "server_error": lambda s, b: Reply(status=500, error="internal error"),
    "truncated": truncated,
    "malformed": lambda s, b: Reply(content="{statements: [oops"),
    "wrong_schema": lambda s, b: Reply(
        content=json.dumps({"items": [{"section": "summary", "text": "x"}]})
    ),
    "prose": lambda s, b: Reply(content="Here is my summary: the experts mostly agree."),
    "hallucinated_ids": _theme_reply(_hallucinate),
    "foreign_ids": foreign_ids,
    "contested_as_consensus": _theme_reply(_as_consensus),
    "invented_percent": _theme_reply(_invent_percent),
    "omit_minority_side": _theme_reply(_omit_minority_side),
    "echo_injection": _theme_reply(_echo_injection),
    "invented_label": lambda s, b: (
        good(s, b)
        if is_overview(b)
        else Reply(
            content=draft_reply(
                [(p, good_statements(p)) for p in parse_theme_prompt(_messages(b)[1])],
                label=lambda p: "Blockchain ledger for quantum governance",
            )
        )
    ),
}


class FakeOpenAIServer:
    """Start with `with FakeOpenAIServer() as server:`; point the client at `server.url`."""

    def __init__(self, behaviour: str | Behaviour = "good", *, report_usage: bool = True) -> None:
        self.behaviour = behaviour
        self.script: list[str | Behaviour] = []
        """Behaviours for the next requests, consumed in order before `behaviour` applies."""
        self.reject_json_schema = False
        self.report_usage = report_usage
        self.requests: list[dict[str, Any]] = []
        self.raw_bodies: list[str] = []
        self.seen_ids: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    @property
    def calls(self) -> int:
        return len(self.requests)

    def __enter__(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _choose(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(body)
            chosen = self.script.pop(0) if self.script else self.behaviour
        fmt = (body.get("response_format") or {}).get("type")
        if self.reject_json_schema and fmt == "json_schema":
            return Reply(status=400, error="response_format json_schema is not supported")
        fn = BEHAVIOURS[chosen] if isinstance(chosen, str) else chosen
        return fn(self, body)

    def _usage(self, body: dict[str, Any], content: str) -> dict[str, int]:
        from symphonia.pipeline.llm.tokens import count_tokens

        prompt = sum(count_tokens(m["content"]) for m in body["messages"])
        completion = count_tokens(content)
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, payload: str, headers: dict[str, str]) -> None:
                data = payload.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(404, json.dumps({"error": {"message": "not found"}}), {})
                    return
                with server._lock:
                    server.raw_bodies.append(raw)
                body = json.loads(raw)
                reply = server._choose(body)
                with server._lock:
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    stopped = server._stop.wait(max(reply.delay_s, 0.02))
                finally:
                    with server._lock:
                        server.in_flight -= 1
                if stopped:
                    return
                if reply.status != 200:
                    err = {"error": {"message": reply.error, "type": "fake", "code": None}}
                    self._send(reply.status, json.dumps(err), reply.headers)
                    return
                content = reply.content or ""
                payload: dict[str, Any] = {
                    "id": f"chatcmpl-fake-{server.calls}",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body.get("model", "fake"),
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": content},
                        }
                    ],
                }
                if server.report_usage:
                    payload["usage"] = server._usage(body, content)
                self._send(200, reply.raw_body or json.dumps(payload), reply.headers)

        return Handler
