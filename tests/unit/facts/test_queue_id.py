"""The queue id a submission server names in its 250 after DATA (providers' documented texts)."""

from __future__ import annotations

import pytest

from mailcheck.facts.smtp import queue_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Postfix (http://www.howtoforge.com/forums/showpost.php?p=275699&postcount=32)
        ("2.0.0 Ok: queued as 6D16826F000D", "6D16826F000D"),
        # Exim (https://git.exim.org/exim.git/blob/a3ab48f23ee4a83f796440ef67d7ac7b43aad4b5:/test/stdout/0485)
        ("OK id=10HmaX-0005vi-00", "10HmaX-0005vi-00"),
        # Exchange (https://newbetuts.com/867407-postfix-what-does-queued-mail-for-delivery-mean)
        (
            "2.6.0 <6b36518e-14b1-6fac-dd27-c4c900aff87c@my_great_company.com> "
            "[InternalId=23138874] Queued mail for delivery",
            "6b36518e-14b1-6fac-dd27-c4c900aff87c@my_great_company.com",
        ),
        # A reply that names no queue id (Exim's test suite: "250 message accepted").
        ("message accepted", None),
    ],
)
def test_queue_id_is_read_from_the_servers_words(text: str, expected: str | None) -> None:
    assert queue_id(text) == expected
