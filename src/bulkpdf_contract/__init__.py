"""bulkpdf-contract: Zuora's bulk PDF export endpoint as an executable contract."""

__version__ = "0.1.0"
