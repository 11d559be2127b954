"""The duplicate rules against a plain walk over the IDs, on generated ID lists.

The validators find repeats with C-level passes over a flat ID list and map flat positions back
to pointers; this holds them to the obvious first-seen walk (case-insensitive IDs, the
``file_names`` mapping looked up the same way, non-string IDs ignored, a repeated ID not also
reported as a repeated file name), including which occurrence each finding names.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bulkpdf_contract.validators import validate_request

POOL = ["a" * 32, "A" * 32, "b" * 32, "0123456789abcdef0123456789ABCDEF",
        "0123456789ABCDEF0123456789abcdef", "c" * 32]
object_ids = st.one_of(st.sampled_from(POOL), st.sampled_from([1, None, 2.5, ["x"], {"k": 1}]))
id_groups = st.lists(
    st.one_of(
        st.fixed_dictionaries({"docType": st.just("Invoice"), "objectIds": st.lists(object_ids, max_size=8)}),
        st.sampled_from([{"docType": "Invoice"}, {"docType": "Invoice", "objectIds": "abc"}, "oops", 3]),
    ),
    max_size=5,
)
file_name_maps = st.one_of(
    st.none(),
    st.dictionaries(st.sampled_from(POOL + [p.upper() for p in POOL]),
                    st.one_of(st.sampled_from(["x.pdf", "y.pdf", "z.pdf"]), st.integers()), max_size=6),
)


def expected(documents, file_names):
    """(rule, pointer, the pointer the message names) of every duplicate, by a first-seen walk."""
    by_id = {str(k).lower(): v for k, v in (file_names or {}).items()}
    first_seen, name_owner, out = {}, {}, set()
    for g, group in enumerate(documents):
        ids = group.get("objectIds") if isinstance(group, dict) else None
        if not isinstance(ids, list):
            continue
        for i, object_id in enumerate(ids):
            if not isinstance(object_id, str):
                continue
            here, key = f"/documents/{g}/objectIds/{i}", object_id.lower()
            if key in first_seen:
                out.add(("documents.duplicate-object-id", here, first_seen[key]))
                continue
            first_seen[key] = here
            name = by_id.get(key)
            if isinstance(name, str):
                if name in name_owner:
                    out.add(("documents.duplicate-pdf-file-name", here, name_owner[name]))
                else:
                    name_owner[name] = here
    return out


@settings(max_examples=300, database=None, deadline=None)
@given(id_groups, file_name_maps)
def test_duplicate_findings_match_a_first_seen_walk(documents, file_names):
    body = {"documents": documents, "fileName": "f", "indexFileFormat": "CSV"}
    found = {
        (f.rule, f.pointer, f.message.split(" at ")[1].split(";")[0])
        for f in validate_request(body, file_names=file_names or None)
        if f.rule.startswith("documents.duplicate")
    }
    assert found == expected(documents, file_names)
