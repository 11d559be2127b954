"""The mock's routes, one module per API: :mod:`.bulk_pdf` (Zuora's endpoint), :mod:`.oauth` (its
token operation), :mod:`.control` (the mock's own ``/_mock`` API), :mod:`.harness` (the test
harness: faults, journal, clock) and :mod:`.files` (the download URLs). Each module lists its
``ROUTES`` as ``(path, handler)`` pairs; :func:`~bulkpdf_contract.mock.app.create_app` mounts them."""
