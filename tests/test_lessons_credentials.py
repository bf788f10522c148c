"""Lesson 11's basic-auth step sends credentials and reads a Secret's htpasswd: neither is ever printed.

Every example attempt of the step is judged through a real proxy, in both languages,
and every text a check gives (goal, now, why, where) is searched for the Secret's
value, its bcrypt hash, the Authorization header's token and the password.
"""

from __future__ import annotations

import base64

import pytest

from explorer.commands.lessons import proxy_port
from explorer.lessons.catalog import load_catalog
from explorer.lessons.examples import attempts, load_examples
from explorer.lessons.runner import run_step

LESSON = load_catalog().get("nginx-annotations")
SECRET = (LESSON.folder / "start" / "secret.yaml").read_text().split("auth: ", 1)[1].split()[0]
HASH = base64.b64decode(SECRET).decode().strip().split(":", 1)[1]
CREDENTIALS = base64.b64encode(b"admin:shop-admin-pw").decode()


@pytest.mark.parametrize("lang", ["en", "ja"])
async def test_no_check_of_the_basic_auth_step_prints_a_hash_a_token_or_the_password(lang):
    assert HASH.startswith("$2y$") and len(HASH) > 50  # the grep looks for the real thing
    seen = 0
    for step, example, attempt in attempts(LESSON, load_examples(LESSON)):
        if step.id != "basic-auth":
            continue
        result = await run_step(step, attempt, lang, proxy_port)
        seen += 1
        for r in result.results:
            text = " ".join((r.expected, r.actual, r.reason, r.where))
            for value in (SECRET, SECRET[:16], HASH, HASH[:20], CREDENTIALS, "shop-admin-pw"):
                assert value not in text, (example.name, value)
    assert seen >= 4
