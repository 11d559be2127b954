"""The compiled engine (jsonschema-rs, the default) gives exactly the reference's findings.

Issue 2 allows a compiled validator "if every verdict and pointer stays the same as jsonschema's";
these properties hold it to more: the same list of findings, messages included, for requests and
responses, on payloads that are valid, slightly broken (a field at its limit, one bad character,
wrong case) and plain garbage. jsonschema stays the reference.

The generators read limits, patterns and enums from the contract. The default run draws about
``6 x`` the active Hypothesis profile's ``max_examples`` per property (300 under the suite's
``ci`` profile); the ``slow`` run draws many more, and also drives schemathesis' own positive and
negative generation at length.
"""

from __future__ import annotations

import copy
import re
import string

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bulkpdf_contract.spec import COLLECTION_PATH, load_contract, spec_path
from bulkpdf_contract.validators import validate_request, validate_response

CONTRACT = load_contract()
BASE_EXAMPLES = settings().max_examples  # follows the loaded profile
FAST = settings(
    max_examples=6 * BASE_EXAMPLES, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SLOW = settings(FAST, max_examples=40 * BASE_EXAMPLES)

# Characters that sit on the edges of this contract's charsets.
EDGE_CHARS = list(':;"\'/\\<>|?* ~!\t\n\r\x00\x1f\x7f\x80\u0085\u00a0é€日😀\ud800') + ["\u200b", "\ufeff"]
SINGLE_CLASS = re.compile(r"^\^(\[.+\])[*+]\$$")


def json_values(max_leaves=6):
    scalars = (st.none() | st.booleans() | st.integers(-(2**70), 2**70)
               | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12))
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
        max_leaves=max_leaves,
    )


def _class_alphabet(pattern):
    """The characters of a single-class pattern (``^[...]*$``), among the first 1,024 code points
    and the edge characters; None for other patterns."""
    match = SINGLE_CLASS.match(pattern)
    if match is None:
        return None
    char_class = re.compile(match.group(1))
    pool = [chr(c) for c in range(1024)] + EDGE_CHARS
    return "".join(sorted({c for c in pool if char_class.fullmatch(c)}))


def valid_strings(schema):
    """Strings a string schema accepts, including ones exactly at its maximum length."""
    if "enum" in schema:
        return st.sampled_from([str(v) for v in schema["enum"]])
    pattern = schema.get("pattern")
    alphabet = _class_alphabet(pattern) if pattern else None
    if pattern is not None and alphabet is None:
        return st.from_regex(pattern, fullmatch=True)
    low, high = schema.get("minLength", 0), schema.get("maxLength", 40)
    chars = alphabet if alphabet is not None else st.characters(exclude_categories=("Cs",))
    at_limit = st.text(chars, min_size=1, max_size=3).map(lambda t: (t * high)[:high])
    return st.text(chars, min_size=low, max_size=min(high, 40)) | at_limit


def strings_for(schema):
    """Strings around a string schema: accepted ones, ones just past its maximum length, ones with an
    edge character, the empty string, and case variants of its enum."""
    good = valid_strings(schema)
    if "enum" in schema:
        values = [str(v) for v in schema["enum"]]
        return good | st.sampled_from([v.lower() for v in values] + [v.upper() for v in values] + ["", " " + values[0]])
    pattern = schema.get("pattern")
    if pattern is not None and _class_alphabet(pattern) is None:
        return good | st.from_regex(pattern) | st.text(string.digits + ".-\n", max_size=12)
    high = schema.get("maxLength", 40)
    too_long = st.tuples(good.filter(bool), st.integers(high + 1, high + 2)).map(lambda t: (t[0] * t[1])[: t[1]])
    with_edge = st.tuples(good, st.sampled_from(EDGE_CHARS), good).map("".join)
    return good | too_long | with_edge | st.just("")


def object_ids(valid=False):
    hex_ids = st.tuples(st.integers(0, 2**128 - 1), st.booleans()).map(
        lambda t: f"{t[0]:032X}" if t[1] else f"{t[0]:032x}")
    if valid:
        return hex_ids
    item = CONTRACT.property_schema("documents", "items", "objectIds", "items")
    shared = st.sampled_from(["a" * 32, "A" * 32, "402880de8ce7edc3018ce7f18404315a", "0" * 32])
    return hex_ids | shared | st.from_regex(item["pattern"]) | strings_for({"maxLength": 33})


def request_bodies():
    """Valid bodies; near-valid ones (each field drawn around its limits); either with up to three
    random mutations (replace, drop or add a member, duplicate an item); and JSON garbage."""
    props = CONTRACT.request_schema()["properties"]
    group_props = CONTRACT.property_schema("documents", "items")["properties"]

    def bodies(strings, ids, extra):
        group = st.fixed_dictionaries(
            {"docType": strings(group_props["docType"]), "objectIds": st.lists(ids, min_size=1, max_size=4)},
            optional=extra,
        )
        optional = {"name": strings(props["name"])}
        optional.update({flag: st.booleans() for flag in ("generateMissingPDF", "ignoreArchivedFiles", "persistIndexFile")})
        return st.fixed_dictionaries(
            {"documents": st.lists(group, min_size=1, max_size=3),
             "fileName": strings(props["fileName"]),
             "indexFileFormat": strings(props["indexFileFormat"])},
            optional=optional,
        )

    valid = bodies(valid_strings, object_ids(valid=True), {})
    near_valid = bodies(strings_for, object_ids(), {"extra": json_values(2)})
    return st.one_of(valid, near_valid, valid.flatmap(mutated), near_valid.flatmap(mutated), json_values())


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, path + (index,))


@st.composite
def mutated(draw, document):
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(list(_paths(document))))
        if not path:
            continue
        parent = document
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "drop", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(json_values() | st.sampled_from(EDGE_CHARS))
        elif action == "drop":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=8))] = draw(json_values(2))
        else:
            parent.append(parent[path[-1]])  # duplicate an item
    return document


def header_sets(method):
    """Declared headers of both methods (so Idempotency-Key also reaches GET), any name case."""
    params = {**CONTRACT.all_header_parameters(), **CONTRACT.header_parameters(method)}
    values = {name: strings_for(p["schema"]) | json_values(1) for name, p in params.items()}
    values["Authorization"] = st.just("Bearer token")
    names = st.sampled_from(sorted(values))

    @st.composite
    def headers(draw):
        out = {}
        for name in draw(st.lists(names, max_size=4, unique=True)):
            spelled = draw(st.sampled_from([name, name.lower(), name.upper()]))
            out[spelled] = draw(values[name])
        return out

    return headers()


def request_cases():
    bodies = request_bodies()
    file_names = st.none() | st.dictionaries(object_ids(), st.sampled_from(["1.pdf", "2.pdf"]), max_size=4)
    per_method = [
        st.tuples(st.just(method), bodies if method != "GET" else st.none() | json_values(2),
                  header_sets(method) | json_values(1), file_names)
        for method in ("POST", "GET", "PATCH")
    ]
    return st.one_of(per_method)


def assert_request_engines_agree(case):
    method, body, headers, file_names = case
    reference = validate_request(body, headers, method, file_names=file_names, engine="jsonschema")
    compiled = validate_request(body, headers, method, file_names=file_names, engine="rs")
    assert compiled == reference


def test_generators_reach_both_verdicts():
    """The property below is only worth something if valid and invalid payloads both occur."""
    verdicts = {True: 0, False: 0}

    @settings(FAST, max_examples=100, database=None)
    @given(request_bodies())
    def sample(body):
        verdicts[not validate_request(body, engine="jsonschema")] += 1

    sample()
    assert verdicts[True] >= 5 and verdicts[False] >= 5, verdicts


test_request_findings_match_the_reference = FAST(given(request_cases())(assert_request_engines_agree))
test_request_findings_match_the_reference_long = pytest.mark.slow(
    SLOW(given(request_cases())(assert_request_engines_agree)))


# -- responses ---------------------------------------------------------------------------------------------
REQUEST_ID = "d4b8c683-04ff-407d-964a-a63ae7917483"


def response_bodies():
    examples = [body for _, _, body in CONTRACT.response_examples()]
    base = st.sampled_from(examples).map(copy.deepcopy)
    return st.one_of(base, base.flatmap(mutated), json_values(), st.sampled_from([b"", b"<html>", '{"a":']))


def response_headers():
    values = {
        "Zuora-Request-Id": st.just(REQUEST_ID) | strings_for({"maxLength": 37}),
        "Zuora-Track-Id": strings_for({"maxLength": 65}),
        "RateLimit-Remaining": st.from_regex(r"^[0-9]+$", fullmatch=True) | strings_for({"maxLength": 3}),
        "Concurrency-Limit-Limit": st.text("0123456789x ", max_size=4),
        "Content-Encoding": st.sampled_from(["gzip", ""]) | json_values(1),
    }
    return st.fixed_dictionaries({}, optional=values)


response_cases = st.tuples(
    st.sampled_from(["POST", "GET", "PUT"]),
    st.sampled_from([200, 400, 401, 404, 409, 500, 503, 201, 302]),
    response_bodies(),
    response_headers(),
    st.none() | st.fixed_dictionaries({}, optional={"Zuora-Track-Id": st.text(max_size=5)}),
)


def assert_response_engines_agree(case):
    method, status, body, headers, sent = case
    kwargs = {"method": method, "request_headers": sent}
    assert (validate_response(status, body, headers, engine="rs", **kwargs)
            == validate_response(status, body, headers, engine="jsonschema", **kwargs))


test_response_findings_match_the_reference = FAST(given(response_cases)(assert_response_engines_agree))
test_response_findings_match_the_reference_long = pytest.mark.slow(
    SLOW(given(response_cases)(assert_response_engines_agree)))


# -- schemathesis' own generation -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def post_operation():
    schemathesis = pytest.importorskip("schemathesis")
    return schemathesis.openapi.from_path(str(spec_path()))[COLLECTION_PATH]["POST"]


def _schemathesis_property(post_operation, mode, max_examples):
    @settings(FAST, max_examples=max_examples, database=None)
    @given(post_operation.as_strategy(generation_mode=mode))
    def run(case):
        body = case.body
        assume(not isinstance(body, (bytes, str)))  # non-JSON media types are not our input
        assert_request_engines_agree((case.method, body, case.headers, None))

    run()


@pytest.mark.parametrize("mode", ["POSITIVE", "NEGATIVE"])
def test_schemathesis_cases_match_the_reference(post_operation, mode):
    """A short run in the default suite: schemathesis draws large cases (~0.1 s each)."""
    from schemathesis import GenerationMode

    _schemathesis_property(post_operation, GenerationMode[mode], max(10, BASE_EXAMPLES // 10))


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["POSITIVE", "NEGATIVE"])
def test_schemathesis_cases_match_the_reference_long(post_operation, mode):
    from schemathesis import GenerationMode

    _schemathesis_property(post_operation, GenerationMode[mode], 3 * BASE_EXAMPLES)


@pytest.mark.slow
def test_hypothesis_jsonschema_bodies_match_the_reference():
    """Valid bodies straight from the request schema (hypothesis-jsonschema, if installed); it
    needs ~0.8 s per body for this schema, hence few examples."""
    from_schema = pytest.importorskip("hypothesis_jsonschema").from_schema
    schema = {k: v for k, v in CONTRACT.request_schema().items() if k != "$schema"}

    @settings(FAST, max_examples=max(10, BASE_EXAMPLES // 2))
    @given(from_schema(schema), header_sets("POST"))
    def run(body, headers):
        assert_request_engines_agree(("POST", body, headers, None))
        assert not [f for f in validate_request(body) if f.rule.startswith("schema.")]

    run()


# -- the root key check on other object schemas ------------------------------------------------------------
ROOT_SCHEMAS = [
    {"type": "object", "required": ["a", "b"], "additionalProperties": False,
     "properties": {"a": {"type": "string", "maxLength": 2}, "b": {}, "c": {"type": "integer"}}},
    {"type": "object", "required": ["a"], "properties": {"a": {"enum": [1, 2]}}},  # extra keys allowed
    {"type": "object", "additionalProperties": False, "properties": {"a": {}}},  # nothing required
    {"type": "object", "required": ["a"], "additionalProperties": False, "minProperties": 2,
     "propertyNames": {"maxLength": 1}, "properties": {"a": {}, "b": {}}},  # key keywords left to rs
    {"type": "object", "required": ["a"], "additionalProperties": False, "properties": {"a": {}},
     "patternProperties": {"^x": {"type": "string"}}},  # "additional" decided elsewhere: no split
    {"type": "object", "required": ["a"], "additionalProperties": False, "properties": {"a": {}},
     "allOf": [{"required": ["b"]}]},  # a combinator on the root: no split
]


@FAST
@given(st.sampled_from(range(len(ROOT_SCHEMAS))),
       st.dictionaries(st.sampled_from(["a", "b", "c", "x1", "xy", ""]), json_values(1), max_size=4)
       | json_values(1),
       st.none() | st.integers(0, 3))
def test_root_key_checks_match_the_reference(index, instance, limit):
    """The root's ``required``/``additionalProperties`` are checked on the keys, apart from
    jsonschema-rs; every schema shape, refused split included, gives the reference's findings."""
    from bulkpdf_contract.validators.findings import sort_findings
    from bulkpdf_contract.validators.schema import SchemaCheck

    schema = ROOT_SCHEMAS[index]
    compiled, reference = SchemaCheck(schema, "rs"), SchemaCheck(schema, "jsonschema")
    expected = reference.findings(instance)
    assert sort_findings(compiled.findings(instance)) == sort_findings(expected)
    if limit is not None:  # a capped run reports some of the same findings, none when capped at 0
        capped = compiled.findings(instance, limit)
        assert set(capped) <= set(expected)
        assert bool(capped) == bool(limit and expected)
