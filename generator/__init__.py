"""dfgen: DemandFlow entity definitions to Pydantic models, OpenAPI 3.1 and Markdown docs."""

__version__ = "0.1.0"
