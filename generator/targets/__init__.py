"""Output targets: each turns the intermediate model into {relative path: contents}."""
