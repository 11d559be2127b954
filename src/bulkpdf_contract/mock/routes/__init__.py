"""The mock's routes, one module per API: :mod:`.bulk_pdf` (Zuora's endpoint), :mod:`.control`
(the mock's own ``/_mock`` API) and :mod:`.files` (the download URLs). Each module lists its
``ROUTES`` as ``(path, handler)`` pairs; :func:`~bulkpdf_contract.mock.app.create_app` mounts them."""
