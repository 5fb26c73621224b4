"""providers/xml.py: what xmltodict refuses by itself, what we add (no DTD), and no false alarm on text."""

from __future__ import annotations

import pytest
import xmltodict

from desktop_app.core.errors import ProtocolError
from desktop_app.providers.xml import parse_xml

ENTITY_DOCS = {
    "internal entity": '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "x">]><r>&a;</r>',
    "unused entity": '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "x">]><r>no use</r>',
    "external entity": '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
    "parameter entity": '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p"> %p;]><r/>',
    "billion laughs": '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aa"><!ENTITY b "&a;&a;&a;">]><r>&b;</r>',
}
DTD_ONLY_DOCS = {
    "bare doctype": '<?xml version="1.0"?><!DOCTYPE r><r>hi</r>',
    "external dtd": '<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd"><r>&skipped;</r>',
    "element declarations": '<?xml version="1.0"?><!DOCTYPE r [<!ELEMENT r ANY>]><r>hi</r>',
}


@pytest.mark.parametrize("doc", ENTITY_DOCS.values(), ids=ENTITY_DOCS)
def test_the_installed_xmltodict_refuses_every_entity_declaration_by_itself(doc: str) -> None:
    with pytest.raises(ValueError, match="entities are disabled"):
        xmltodict.parse(doc)


@pytest.mark.parametrize("doc", [d for k, d in DTD_ONLY_DOCS.items() if k != "external dtd"])
def test_the_installed_xmltodict_accepts_a_dtd_without_entities(doc: str) -> None:
    """Why we still refuse DTDs ourselves: the library lets these through."""
    assert xmltodict.parse(doc) == {"r": "hi"}


@pytest.mark.parametrize("doc", [*ENTITY_DOCS.values(), *DTD_ONLY_DOCS.values()], ids=[*ENTITY_DOCS, *DTD_ONLY_DOCS])
def test_every_dtd_and_entity_is_a_protocol_error(doc: str) -> None:
    for body in (doc, doc.encode()):
        with pytest.raises(ProtocolError, match="refused"):
            parse_xml(body, "X")


@pytest.mark.parametrize(
    ("doc", "value"),
    [
        ("<r><![CDATA[ <!DOCTYPE html><html/> ]]></r>", "<!DOCTYPE html><html/>"),
        ("<r><![CDATA[<!ENTITY x 'y'>]]></r>", "<!ENTITY x 'y'>"),
        ("<r>&lt;!DOCTYPE r&gt;</r>", "<!DOCTYPE r>"),
        ("<!-- <!DOCTYPE r> --><r>ok</r>", "ok"),
    ],
)
def test_text_that_merely_mentions_a_doctype_parses(doc: str, value: str) -> None:
    assert parse_xml(doc, "X") == ("r", value)
