"""Hypothesis strategies for XML-ish text: well-formed trees of chosen names, and near-misses of them."""

from __future__ import annotations

from xml.sax.saxutils import escape

from hypothesis import strategies as st

_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)


def xml_documents(names: list[str]) -> st.SearchStrategy[str]:
    """Element trees using `names` (so parsers meet their own vocabulary), with text, CDATA and attributes."""
    name = st.sampled_from(names)
    leaf = st.one_of(
        _TEXT.map(escape),
        _TEXT.filter(lambda t: "]]>" not in t).map(lambda t: f"<![CDATA[{t}]]>"),
        st.sampled_from(["", " ", "\n  ", "100", "-1", "NaN", "1e999", "0"]),
    )

    def element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.builds(
            lambda n, body, attr: f"<{n}{' a=' + chr(34) + '1' + chr(34) if attr else ''}>{body}</{n}>",
            name,
            st.lists(children, max_size=4).map("".join),
            st.booleans(),
        )

    tree = st.recursive(leaf, element, max_leaves=20)
    return st.builds(lambda root, body: f"<{root}>{body}</{root}>", name, tree)


def xml_ish(names: list[str]) -> st.SearchStrategy[str]:
    """Well-formed documents, documents cut short or spliced, and arbitrary text."""
    docs = xml_documents(names)
    return st.one_of(
        docs,
        st.builds(lambda d, n: d[:n], docs, st.integers(min_value=0, max_value=200)),
        st.builds(lambda d, junk: d + junk, docs, _TEXT),
        st.text(max_size=200),
    )
