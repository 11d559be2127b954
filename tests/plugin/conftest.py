"""Import what the plugin's fixtures import before any in-process ``pytester`` run.

``pytester.runpytest`` removes the modules an inner run imported when it ends; re-importing
PyYAML's C loader (via the spec) in the next run then breaks it. Modules imported here, before
the first run, are kept.
"""

import httpx  # noqa: F401
import hypothesis  # noqa: F401
import requests  # noqa: F401

import bulkpdf_contract.client  # noqa: F401
import bulkpdf_contract.mock  # noqa: F401
import bulkpdf_contract.proxy  # noqa: F401
import bulkpdf_contract.proxy.session  # noqa: F401
import bulkpdf_contract.spec  # noqa: F401
import bulkpdf_contract.strategies  # noqa: F401
import bulkpdf_contract.validators  # noqa: F401
